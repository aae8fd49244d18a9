-- One case of the property test; psql variables seed and case_no.
-- Errors do not stop the script: prop.check_case() reports what they left.
\set ON_ERROR_STOP 0
\set VERBOSITY default
SET client_min_messages = warning;
SELECT prop.teardown();
SELECT prop.setup_case(:seed, :case_no);
INSERT INTO prop.result SELECT 'dry', n, s FROM selegic_resync_all(true) WITH ORDINALITY AS t(s, n);
INSERT INTO prop.after_dry SELECT kind, object, expected, actual FROM selegic_drift();
INSERT INTO prop.result SELECT 'run', n, s FROM selegic_resync_all() WITH ORDINALITY AS t(s, n);
SELECT prop.after_repair();
INSERT INTO prop.result SELECT 'again', n, s FROM selegic_resync_all() WITH ORDINALITY AS t(s, n);
SELECT prop.check_case();
-- What this case covered (summed up by the driver).
SELECT 'STATS ' || concat_ws(' ', 'mode:' || (SELECT mode FROM prop.state),
         (SELECT string_agg(replace(kind, ' ', '_'), ' ' ORDER BY seq) FROM prop.injected),
         (SELECT string_agg(format('type:%s->%s', f.base, regexp_replace(replace(f.drift_type, ' ', '_'), '\(.*\)', '(n)')), ' ')
          FROM prop.fld f JOIN prop.ent e ON e.idx = f.ent
          WHERE f.drift_type IS NOT NULL AND NOT f.dropped AND NOT e.missing),
         (SELECT string_agg('pk:text', ' ') FROM prop.ent WHERE pk_text),
         (SELECT string_agg('repair_statements', ' ') FROM prop.result WHERE phase = 'run'));
