#!/usr/bin/env bash
# End to end: Synchronize All on a tenant larger than the lock table.
# A repair is one transaction and takes a lock on every table it creates or
# changes; with more tables than max_locks_per_transaction allows, it fails
# with 53200 "out of shared memory". That failure must say what to do
# (DETAIL, HINT) and change nothing; the documented way (docs/runbook.md:
# entity by entity, foreign key targets first, then the rest in one call)
# repairs the whole tenant. Starts its own cluster with a small lock table.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DIR=$(mktemp -d /tmp/selegic_scale.XXXXXX)
cleanup() { "$ROOT/test/pg_cluster.sh" stop "$DIR"; rm -rf "$DIR"; }
trap cleanup EXIT
eval "$("$ROOT/test/pg_cluster.sh" start "$DIR" 5494 "max_locks_per_transaction = 10" "max_connections = 20")"
fail=0 pass=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "PASS $1"; pass=$((pass + 1));
    else echo "FAIL $1: expected [$2], got [$3]"; fail=$((fail + 1)); fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }

q <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE SCHEMA big;
-- 400 missing tables; every tenth references the one before it.
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'e' || g, 'big', 't' || g
FROM generate_series(1, 400) g;
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, references_entity)
SELECT gen_random_uuid(), e.id, 'parent', 'parent_id', 'relation', 'uuid',
       ('00000000-0000-4000-8000-' || lpad(to_hex(g - 1), 12, '0'))::uuid
FROM selegic.entity e, LATERAL (SELECT right(e.slug, -1)::int AS g) n
WHERE g % 10 = 0;
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
SELECT gen_random_uuid(), id, 'amount', 'amount', 'number', 'integer' FROM selegic.entity;
SQL
check "400 missing tables reported" 400 "$(q -c "SELECT count(*) FROM selegic_drift() WHERE kind = 'missing_table'")"

out=$(psql -X -q -d postgres -v VERBOSITY=verbose -c "\set VERBOSITY verbose" -c "SELECT count(*) FROM selegic_resync_all()" 2>&1 || true)
echo "$out" | sed 's/^/  | /' | head -6
check "Synchronize All fails with 53200" 1 "$(echo "$out" | grep -c '53200')"
check "the DETAIL says why" 1 "$(echo "$out" | grep -c 'DETAIL:  The repair of .* statements takes a lock on every table it changes')"
check "the HINT says what to do" 1 "$(echo "$out" | grep -c 'HINT:  Raise max_locks_per_transaction .* or repair entity by entity')"
check "nothing was created" 0 "$(q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'big'")"

# The runbook's way: one entity per transaction, foreign key targets first,
# then one Synchronize All for whatever is left (keys between them).
psql -X -q -At -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL'
WITH RECURSIVE depth(id, d) AS (
  SELECT e.id, 0 FROM selegic.entity e
  WHERE NOT EXISTS (SELECT FROM selegic.field f
                    WHERE f.entity_id = e.id AND f.references_entity IS NOT NULL
                      AND f.references_entity <> e.id)
  UNION ALL
  SELECT f.entity_id, depth.d + 1 FROM depth
  JOIN selegic.field f ON f.references_entity = depth.id AND f.entity_id <> depth.id
  WHERE depth.d < 50)
SELECT format('SELECT count(*) FROM selegic_resync_entity(%L)', id)
FROM depth GROUP BY id ORDER BY max(d), id
\gexec
SELECT count(*) FROM selegic_resync_all();
SQL
check "every table created" 400 "$(q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'big'")"
check "every foreign key in place and valid" 40 "$(q -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated AND connamespace = 'big'::regnamespace")"
check "no fixable drift left" 0 "$(q -c "SELECT count(*) FROM selegic_drift() WHERE fix IS NOT NULL")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
