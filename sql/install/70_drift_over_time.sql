-- Drift over time: waivers of known differences.

-- One known difference (kind + object, as selegic_drift() reports them)
-- accepted until a date: still reported, with waived_until, but skipped by
-- the repairs. Written through selegic_waive() / selegic_unwaive().
CREATE TABLE selegic.waiver (
    id          uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    kind        text NOT NULL,
    object      text NOT NULL,
    reason      text NOT NULL CHECK (reason <> ''),
    until       timestamptz NOT NULL,
    created_by  name NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE selegic.waiver IS
    'Known differences accepted until a date: reported by selegic_drift(), skipped by the repairs';
CREATE INDEX waiver_object_idx ON selegic.waiver (object, kind);
REVOKE ALL ON selegic.waiver FROM PUBLIC;
GRANT SELECT ON selegic.waiver TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('selegic.waiver', '');
