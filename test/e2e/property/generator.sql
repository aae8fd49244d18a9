-- Property test of selegic_resync_all() (issue 3): the generator and the checks.
--
-- Loaded once into the test database by test/e2e/property_resync.sh, which then
-- runs test/e2e/property/case.sql once per case. Everything here lives in the
-- schema "prop" (not a managed schema: no entity ever names it).
--
-- One case, reproducible from (seed, case number):
--   prop.setup_case(seed, case_no)
--     random metadata (1-4 entities, 1-6 fields each, hostile names sometimes),
--     tables created in sync (own DDL, or selegic_resync_all() on the empty
--     schema), checked to be in sync, random rows valid for the types, then
--     random drift of every fixable kind that is repairable with the data
--     present (missing_table, also with its schema; missing_primary_key,
--     constraint or column; missing_column; renamed_column, once or twice;
--     type_mismatch, including the primary key, to types that hold the values
--     with the same text; nullability_mismatch and unique_mismatch both ways;
--     default_mismatch; foreign_key_mismatch: dropped, other ON DELETE, NOT
--     VALID, wrong target, duplicated), plus extra columns, unmanaged tables
--     and things that are not drift (indexes, a unique index in place of a
--     unique constraint); records the drift it injected, the drift report,
--     and a digest of every table's rows.
--   (case.sql runs the dry run, selegic_resync_all(), and a second one)
--   prop.check_case()
--     the property: only extra_column / unmanaged_table rows are left (exactly
--     the ones injected), every row of every table is unchanged over the
--     columns that existed before the repair, the second resync ran nothing;
--     also: each injected drift was reported before the repair, the dry run
--     listed exactly the statements the repair ran and changed nothing, and no
--     statement dropped a table, a column or a row.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS prop CASCADE;
CREATE SCHEMA prop;

-- ------------------------------------------------------------------ state

CREATE TABLE prop.state (
  seed bigint, case_no int, mode text, s1 text, s2 text,
  setup_done boolean NOT NULL DEFAULT false, after_done boolean NOT NULL DEFAULT false);

CREATE TABLE prop.ent (
  idx int PRIMARY KEY, id uuid NOT NULL, schema_name text NOT NULL, table_name text NOT NULL,
  pk text NOT NULL, nrows int NOT NULL, missing boolean NOT NULL,
  pk_gone boolean NOT NULL DEFAULT false,      -- primary key column dropped
  pk_dropped boolean NOT NULL DEFAULT false,   -- primary key constraint dropped
  pk_text boolean NOT NULL DEFAULT false);     -- primary key column retyped to text

CREATE TABLE prop.fld (
  ent int NOT NULL, idx int NOT NULL, id uuid NOT NULL, column_name text NOT NULL,
  base text NOT NULL,          -- integer, bigint, text, varchar, numeric, boolean, timestamptz,
                               -- date, uuid, jsonb, text[], enum (the case's "mood"),
                               -- domain (the case's "posint"), relation
  sql_type text NOT NULL,      -- as written into selegic.field (any accepted spelling)
  ddl_type text NOT NULL,      -- canonical spelling, for our own DDL and casts
  n int, p int, s int,         -- varchar(n), numeric(p,s)
  nullable boolean NOT NULL, default_expr text, is_unique boolean NOT NULL,
  ddl_default text,            -- default_expr as our own DDL writes it (types schema-qualified)
  ref int, on_delete text NOT NULL DEFAULT 'no action',
  drift_type text,             -- the type the column gets by injected drift, or NULL
  maxlen int,                  -- longest string value allowed (varchar / drifted text)
  pdig int,                    -- numeric: total digits allowed by the data
  lo numeric, hi numeric,      -- integer kinds: range allowed by the data
  dropped boolean NOT NULL DEFAULT false,
  PRIMARY KEY (ent, idx));

CREATE TABLE prop.rowid (ent int, n int, id uuid, PRIMARY KEY (ent, n));
CREATE TABLE prop.injected (seq serial PRIMARY KEY, kind text, tbl text, object text, detail text);
CREATE TABLE prop.expect_left (kind text, object text);
CREATE TABLE prop.snap (relid oid PRIMARY KEY, tbl text, cols int2[], n bigint, md5 text);
CREATE TABLE prop.before (kind text, object text, expected text, actual text);
CREATE TABLE prop.after_dry (kind text, object text, expected text, actual text);
CREATE TABLE prop.result (phase text, n bigint, stmt text);
CREATE TABLE prop.after_run (kind text, object text, expected text, actual text, fix text);
CREATE TABLE prop.sums_after (relid oid PRIMARY KEY, n bigint, md5 text, problem text);

-- ------------------------------------------------------------------ random

-- Uniform integer in [lo, hi].
CREATE FUNCTION prop.ri(lo int, hi int) RETURNS int LANGUAGE sql VOLATILE
AS $$ SELECT (lo + floor(random() * (hi::bigint - lo + 1)))::int $$;

-- Uniform integer in [lo, hi], any size.
CREATE FUNCTION prop.rn(lo numeric, hi numeric) RETURNS numeric LANGUAGE sql VOLATILE
AS $$ SELECT lo + floor(random()::numeric * (hi - lo + 1)) $$;

CREATE FUNCTION prop.chance(p float8) RETURNS boolean LANGUAGE sql VOLATILE
AS $$ SELECT random() < p $$;

CREATE FUNCTION prop.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE
AS $$ SELECT a[prop.ri(1, cardinality(a))] $$;

CREATE FUNCTION prop.ruuid() RETURNS uuid LANGUAGE sql VOLATILE
AS $$ SELECT md5(random()::text || ':' || random()::text)::uuid $$;

-- ------------------------------------------------------------------ names

CREATE FUNCTION prop.qt(e prop.ent) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT format('%I.%I', e.schema_name, e.table_name) $$;

CREATE FUNCTION prop.qc(e prop.ent, col text) RETURNS text LANGUAGE sql STABLE
AS $$ SELECT format('%I.%I.%I', e.schema_name, e.table_name, col) $$;

-- Table names: plain ones, and hostile ones (63 bytes is the longest name
-- PostgreSQL keeps). None ends in _key, _fkey, _pkey or _idx, so they cannot
-- meet the names PostgreSQL gives constraints and indexes.
CREATE FUNCTION prop.table_names() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['Order Items', 'select', 'größe', 'x"y', '"; DROP TABLE x; --', 'MixedCase',
               'user', 'it''s', 'Ünïcødé tåble', 'a table name that is exactly sixty-three bytes long, no more ok',
               'order', 'ΣΑΣ', 'with.dot']
$$;

CREATE FUNCTION prop.column_names() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['Amount', 'amount', 'select', 'größe', 'with space', 'quo"te', '"; DROP TABLE x; --',
               'order', 'null', 'it''s', 'ΣΑΣ', 'end', 'CamelCase', 'with.dot', '1st',
               'a long column name that goes on and on and on till the 63rd bx1',
               'a long column name that goes on and on and on till the 63rd bx2']
$$;

CREATE FUNCTION prop.text_pieces() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['plain', 'with space', 'it''s', 'quo"te', 'back\slash', 'größe', '', '"; DROP TABLE x; --',
               'NULL', E'tab\tx', '🙂 emoji', 'Ünïcødé', E'line\nbreak', 'a,b', '{braces}', ' lead', 'trail ',
               'x', 'Z', '0', 'true']
$$;

-- ------------------------------------------------------------------ values

-- The labels of the enum each case creates as <first schema>.mood; the domain
-- is <first schema>.posint (integer > 0).
CREATE FUNCTION prop.mood_labels() RETURNS text[] LANGUAGE sql IMMUTABLE
AS $$ SELECT ARRAY['sad', 'ok', 'happy', 'it''s "quoted"'] $$;

-- One value of field f for row n, as the text PostgreSQL prints for it in the
-- metadata's type; NULL for SQL NULL. salt is fixed per column, so unique
-- columns get distinct values by construction.
CREATE FUNCTION prop.gen_value(f prop.fld, n int, salt numeric) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v text;
  k int;
  m numeric;
  pieces text[] := prop.text_pieces();
BEGIN
  IF f.nullable AND NOT f.is_unique AND prop.chance(0.2) THEN
    RETURN NULL;
  END IF;
  CASE f.base
  WHEN 'integer', 'bigint', 'domain' THEN
    IF f.is_unique THEN
      RETURN (salt + n)::text;
    END IF;
    k := prop.ri(1, 100);
    IF k <= 8 THEN RETURN f.lo::text;
    ELSIF k <= 16 THEN RETURN f.hi::text;
    ELSIF k <= 45 THEN RETURN prop.ri(greatest(-10, f.lo)::int, 10)::text;
    ELSE RETURN prop.rn(f.lo, f.hi)::text;
    END IF;
  WHEN 'text', 'varchar' THEN
    v := prop.pick(pieces);
    IF prop.chance(0.3) THEN
      v := v || prop.pick(pieces);
    END IF;
    IF f.is_unique THEN
      v := '#' || n || v;
    END IF;
    IF f.maxlen IS NOT NULL THEN
      v := left(v, f.maxlen);
    END IF;
    RETURN v;
  WHEN 'numeric' THEN
    IF f.is_unique THEN
      m := salt + n;
    ELSE
      m := prop.rn(-(10::numeric ^ f.pdig - 1), 10::numeric ^ f.pdig - 1);
      IF prop.chance(0.3) THEN
        m := prop.ri(-100, 100);
      END IF;
    END IF;
    RETURN round(m / 10::numeric ^ f.s, f.s)::text;
  WHEN 'enum' THEN
    IF f.is_unique THEN
      RETURN (prop.mood_labels())[n];
    END IF;
    RETURN prop.pick(prop.mood_labels());
  WHEN 'boolean' THEN
    IF f.is_unique THEN
      RETURN CASE n WHEN 1 THEN 'true' WHEN 2 THEN 'false' END;
    END IF;
    RETURN prop.chance(0.5)::text;
  WHEN 'timestamptz' THEN
    IF f.is_unique THEN
      RETURN to_timestamp((salt + n * 3601)::float8)::text;
    END IF;
    k := prop.ri(1, 100);
    IF k <= 3 THEN RETURN 'infinity';
    ELSIF k <= 5 THEN RETURN '-infinity';
    ELSIF k <= 40 THEN RETURN to_timestamp(prop.ri(-2000000000, 2000000000))::text;
    ELSE RETURN to_timestamp(prop.ri(-2000000000, 2000000000) + random())::text;
    END IF;
  WHEN 'date' THEN
    IF f.is_unique THEN
      RETURN ('2000-01-01'::date + (salt + n)::int)::text;
    END IF;
    RETURN ('2000-01-01'::date + prop.ri(-100000, 100000))::text;
  WHEN 'uuid' THEN
    RETURN md5(random()::text || ':' || n)::uuid::text;
  WHEN 'jsonb' THEN
    IF f.is_unique THEN
      RETURN jsonb_build_object('n', n, 'v', prop.pick(pieces))::text;
    END IF;
    RETURN prop.pick(ARRAY['{}', '[]', 'null', '{"a": 1}', '{"k": "größe", "n": [1, 2.5, null]}', '"str"',
                           '123', '{"b": {"c": [true, false]}, "a": "x\"y"}',
                           jsonb_build_object('r', prop.ri(1, 1000), 'v', prop.pick(pieces))::text])::jsonb::text;
  WHEN 'text[]' THEN
    IF f.is_unique THEN
      RETURN ARRAY[n::text, prop.pick(pieces)]::text;
    END IF;
    k := prop.ri(0, 3);
    RETURN (SELECT coalesce(array_agg(CASE WHEN prop.chance(0.1) THEN NULL ELSE prop.pick(pieces) END), '{}')
            FROM generate_series(1, k))::text;
  ELSE
    RAISE EXCEPTION 'gen_value: unknown base %', f.base;
  END CASE;
END
$$;

-- ------------------------------------------------------------------ types

-- Defaults the metadata may hold, valid for the base type and for every type
-- the column may drift to (so strings stay short, numbers small).
CREATE FUNCTION prop.default_pool(f prop.fld) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE f.base
    WHEN 'integer' THEN ARRAY['0', '1', '-1', '42', '(7)', '2 + 3']
    WHEN 'bigint' THEN ARRAY['0', '1', '-1', '42', '(7)', '2 + 3']
    WHEN 'text' THEN ARRAY['''n/a''', '''it''''s''', '''''', '''x''::text', '''größe''']
    WHEN 'varchar' THEN ARRAY['''x''', '''ab''', '''''', '''ß''::character varying']
    WHEN 'numeric' THEN CASE WHEN f.s >= 1 THEN ARRAY['0', '1', '-1', '(2)', '0.5'] ELSE ARRAY['0', '1', '-1', '(2)'] END
    WHEN 'boolean' THEN ARRAY['true', 'false', 'TRUE']
    WHEN 'timestamptz' THEN ARRAY['now()', 'CURRENT_TIMESTAMP', '''2020-01-01 00:00:00+00''::timestamptz',
                                  '''2020-01-01 00:00:00+00''']
    WHEN 'date' THEN ARRAY['CURRENT_DATE', '''2020-01-01''::date', '''2020-01-01''']
    WHEN 'uuid' THEN ARRAY['gen_random_uuid()', '''00000000-0000-0000-0000-000000000001''::uuid']
    WHEN 'jsonb' THEN ARRAY['''{}''', '''{}''::jsonb', '''[1, 2]''::jsonb', '''{"a": "b"}''']
    WHEN 'text[]' THEN ARRAY['''{}''', '''{a,b}''::text[]', 'ARRAY[''x'']', '''{}''::text[]']
    WHEN 'enum' THEN ARRAY['''ok''', format('''happy''::%s', f.sql_type)]
    WHEN 'domain' THEN ARRAY['1', '42', format('7::%s', f.sql_type)]
  END
$$;

-- A default that differs from the metadata's (for injected default drift),
-- valid for the column's type now.
CREATE FUNCTION prop.drift_default(f prop.fld) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT CASE f.base
    WHEN 'integer' THEN '999'
    WHEN 'bigint' THEN '999'
    WHEN 'text' THEN '''zz'''
    WHEN 'varchar' THEN '''zz'''
    WHEN 'numeric' THEN '3'
    WHEN 'boolean' THEN CASE WHEN lower(coalesce(f.default_expr, '')) = 'false' THEN 'true' ELSE 'false' END
    WHEN 'timestamptz' THEN '''2001-02-03 04:05:06+00''::timestamptz'
    WHEN 'date' THEN '''1999-12-31''::date'
    WHEN 'uuid' THEN '''11111111-1111-1111-1111-111111111111''::uuid'
    WHEN 'jsonb' THEN '''{"drift": 1}''::jsonb'
    WHEN 'text[]' THEN '''{zz}''::text[]'
    WHEN 'relation' THEN format('%L::uuid', prop.ruuid())
    WHEN 'enum' THEN '''sad'''
    WHEN 'domain' THEN '999'
  END
$$;

-- The sql_type spellings the metadata may use (all mean ddl_type).
CREATE FUNCTION prop.spellings(f prop.fld) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE f.base
    WHEN 'integer' THEN ARRAY['integer', 'int', 'int4', 'INTEGER', 'pg_catalog.int4']
    WHEN 'bigint' THEN ARRAY['bigint', 'int8', 'BIGINT']
    WHEN 'text' THEN ARRAY['text', 'TEXT', 'pg_catalog.text']
    WHEN 'varchar' THEN ARRAY[format('varchar(%s)', f.n), format('character varying(%s)', f.n),
                              format('VARCHAR( %s )', f.n)]
    WHEN 'numeric' THEN ARRAY[format('numeric(%s,%s)', f.p, f.s), format('decimal(%s, %s)', f.p, f.s),
                              format('NUMERIC(%s,%s)', f.p, f.s)]
    WHEN 'boolean' THEN ARRAY['boolean', 'bool']
    WHEN 'timestamptz' THEN ARRAY['timestamptz', 'timestamp with time zone']
    WHEN 'date' THEN ARRAY['date']
    WHEN 'uuid' THEN ARRAY['uuid', 'UUID']
    WHEN 'jsonb' THEN ARRAY['jsonb']
    WHEN 'text[]' THEN ARRAY['text[]', 'TEXT[]', 'text ARRAY', '_text']
    WHEN 'relation' THEN ARRAY['uuid']
  END
$$;

CREATE FUNCTION prop.ddl_type(f prop.fld) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE f.base
    WHEN 'varchar' THEN format('varchar(%s)', f.n)
    WHEN 'numeric' THEN format('numeric(%s,%s)', f.p, f.s)
    WHEN 'relation' THEN 'uuid'
    ELSE f.base
  END
$$;

-- Picks (or not) the type the column will drift to, and narrows the values the
-- rows may hold so that the drifted column holds them with the same text and
-- the repair converts them back unchanged.
CREATE FUNCTION prop.choose_type_drift(f prop.fld) RETURNS prop.fld LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  m int;
BEGIN
  IF f.base IN ('integer', 'bigint', 'domain') THEN
    f.lo := CASE f.base WHEN 'integer' THEN -2147483648 WHEN 'domain' THEN 1 ELSE -9223372036854775808 END;
    f.hi := CASE f.base WHEN 'bigint' THEN 9223372036854775807 ELSE 2147483647 END;
  ELSIF f.base = 'varchar' THEN
    f.maxlen := f.n;
  ELSIF f.base = 'numeric' THEN
    f.pdig := f.p;
  END IF;
  IF NOT prop.chance(CASE WHEN f.base = 'relation' THEN 0.1 ELSE 0.3 END) THEN
    RETURN f;
  END IF;
  CASE f.base
  WHEN 'integer' THEN
    f.drift_type := prop.pick(ARRAY['bigint', 'smallint', 'numeric', 'text']);
    IF f.drift_type = 'smallint' THEN f.lo := -32768; f.hi := 32767; END IF;
  WHEN 'bigint' THEN
    f.drift_type := prop.pick(ARRAY['integer', 'numeric', 'text']);
    IF f.drift_type = 'integer' THEN f.lo := -2147483648; f.hi := 2147483647; END IF;
  WHEN 'text' THEN
    m := prop.ri(5, 40);
    f.drift_type := prop.pick(ARRAY[format('varchar(%s)', m), 'character varying']);
    IF f.drift_type <> 'character varying' THEN f.maxlen := m; END IF;
  WHEN 'varchar' THEN
    IF f.n > 4 AND prop.chance(0.5) THEN
      m := prop.ri(4, f.n - 1);
      f.drift_type := format('varchar(%s)', m);
      f.maxlen := m;
    ELSE
      f.drift_type := prop.pick(ARRAY['text', 'character varying']);
    END IF;
  WHEN 'numeric' THEN
    IF f.p - 1 >= greatest(2, f.s + 1) AND prop.chance(0.6) THEN
      m := prop.ri(greatest(2, f.s + 1), f.p - 1);
      f.drift_type := format('numeric(%s,%s)', m, f.s);
      f.pdig := m;
    ELSE
      f.drift_type := 'numeric';
    END IF;
  WHEN 'jsonb' THEN
    f.drift_type := prop.pick(ARRAY['json', 'text']);
  WHEN 'domain' THEN
    f.drift_type := prop.pick(ARRAY['integer', 'bigint', 'text']);
  WHEN 'text[]' THEN
    f.drift_type := prop.pick(ARRAY['character varying[]', 'text']);
  ELSE  -- boolean, timestamptz, date, uuid, relation
    f.drift_type := 'text';
  END CASE;
  RETURN f;
END
$$;

-- ------------------------------------------------------------------ metadata

CREATE FUNCTION prop.field_type_word(base text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE base
    WHEN 'integer' THEN 'number' WHEN 'bigint' THEN 'number' WHEN 'numeric' THEN 'number'
    WHEN 'text' THEN 'text' WHEN 'varchar' THEN 'text' WHEN 'boolean' THEN 'boolean'
    WHEN 'timestamptz' THEN 'datetime' WHEN 'date' THEN 'date' WHEN 'uuid' THEN 'uuid'
    WHEN 'jsonb' THEN 'json' WHEN 'text[]' THEN 'tags' WHEN 'relation' THEN 'relation'
    WHEN 'enum' THEN 'select' WHEN 'domain' THEN 'number'
  END
$$;

CREATE FUNCTION prop.gen_metadata(p_case int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ne int := prop.ri(1, 4);
  v_s1 text;
  v_s2 text;
  use_s2 boolean := prop.chance(0.2);
  used_tables text[] := '{}';
  used_cols text[];
  e prop.ent;
  t prop.ent;
  f prop.fld;
  target_ok boolean;
  k int;
  nf int;
  nm text;
BEGIN
  v_s1 := CASE WHEN prop.chance(0.3)
             THEN format(prop.pick(ARRAY['Prop Case %s', 'prop"%s', 'größe_%s', 'select %s']), p_case)
             ELSE 'prop_c' || p_case END;
  v_s2 := v_s1 || ' two';
  UPDATE prop.state SET s1 = v_s1, s2 = CASE WHEN use_s2 THEN v_s2 END;

  FOR i IN 1..ne LOOP
    e.idx := i;
    e.id := prop.ruuid();
    e.schema_name := CASE WHEN use_s2 AND i > 1 AND prop.chance(0.5) THEN v_s2 ELSE v_s1 END;
    nm := NULL;
    IF prop.chance(0.35) THEN
      nm := prop.pick(prop.table_names());
      IF nm = ANY (used_tables) THEN nm := NULL; END IF;
    END IF;
    e.table_name := coalesce(nm, 'e' || i);
    used_tables := used_tables || e.table_name;
    e.pk := CASE WHEN prop.chance(0.2) THEN prop.pick(ARRAY['Key', 'uid', 'select', 'größe id', 'ID']) ELSE 'id' END;
    e.missing := prop.chance(0.15);
    k := prop.ri(1, 100);
    e.nrows := CASE WHEN e.missing OR k <= 10 THEN 0 WHEN k <= 60 THEN prop.ri(1, 5) ELSE prop.ri(6, 25) END;
    e.pk_gone := false; e.pk_dropped := false; e.pk_text := false;
    INSERT INTO prop.ent SELECT e.*;
    INSERT INTO prop.rowid SELECT i, n, prop.ruuid() FROM generate_series(1, e.nrows) n;
    IF e.pk = 'id' AND prop.chance(0.5) THEN  -- the column default
      INSERT INTO selegic.entity (id, slug, schema_name, table_name)
      VALUES (e.id, format('c%s_e%s', p_case, i), e.schema_name, e.table_name);
    ELSE
      INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key)
      VALUES (e.id, format('c%s_e%s', p_case, i), e.schema_name, e.table_name, e.pk);
    END IF;
  END LOOP;

  FOR e IN SELECT * FROM prop.ent ORDER BY idx LOOP
    nf := prop.ri(1, 6);
    used_cols := ARRAY[e.pk];
    FOR j IN 1..nf LOOP
      f := NULL;
      f.ent := e.idx;
      f.idx := j;
      f.id := prop.ruuid();
      nm := NULL;
      IF prop.chance(0.3) THEN
        nm := prop.pick(prop.column_names());
        IF nm = ANY (used_cols) THEN nm := NULL; END IF;
      END IF;
      f.column_name := coalesce(nm, 'f' || j);
      used_cols := used_cols || f.column_name;
      f.dropped := false;
      f.on_delete := 'no action';
      IF prop.chance(0.2) THEN
        f.base := 'relation';
        f.ref := prop.ri(1, ne);
        SELECT * INTO t FROM prop.ent WHERE idx = f.ref;
        target_ok := NOT t.missing AND t.nrows >= 1;
        f.nullable := NOT target_ok OR prop.chance(0.7);
        f.is_unique := prop.chance(0.15);
        IF f.is_unique THEN f.nullable := true; END IF;
        IF target_ok AND prop.chance(0.3) THEN
          f.default_expr := format(prop.pick(ARRAY['%L', '%L::uuid']),
                                   (SELECT id FROM prop.rowid WHERE ent = t.idx AND n = 1));
        END IF;
        LOOP
          f.on_delete := prop.pick(ARRAY['no action', 'restrict', 'cascade', 'set null', 'set default']);
          EXIT WHEN NOT (f.on_delete = 'set null' AND NOT f.nullable)
                AND NOT (f.on_delete = 'set default' AND NOT f.nullable AND f.default_expr IS NULL);
        END LOOP;
      ELSE
        f.base := prop.pick(ARRAY['integer', 'bigint', 'text', 'varchar', 'numeric', 'boolean',
                                  'timestamptz', 'date', 'uuid', 'jsonb', 'text[]', 'enum', 'domain']);
        f.n := prop.ri(4, 40);
        f.p := prop.ri(3, 18);
        f.s := prop.ri(0, least(4, f.p - 2));
        IF f.base <> 'varchar' THEN f.n := NULL; END IF;
        IF f.base <> 'numeric' THEN f.p := NULL; f.s := NULL; END IF;
        IF f.base IN ('enum', 'domain') THEN
          -- the case's own types: unqualified names resolve in the entity's schema
          f.ddl_type := format('%I.%s', v_s1, CASE f.base WHEN 'enum' THEN 'mood' ELSE 'posint' END);
          f.sql_type := CASE WHEN e.schema_name = v_s1 AND prop.chance(0.6)
                             THEN CASE f.base WHEN 'enum' THEN 'mood' ELSE 'posint' END
                             ELSE f.ddl_type END;
        ELSE
          f.sql_type := prop.pick(prop.spellings(f));
          f.ddl_type := prop.ddl_type(f);
        END IF;
        f.nullable := prop.chance(0.65);
        f.is_unique := prop.chance(0.15);
        IF f.base IN ('boolean', 'enum') AND f.is_unique THEN f.nullable := true; END IF;
        IF prop.chance(0.03) THEN
          f.default_expr := 'NULL';
        ELSIF prop.chance(0.4) THEN
          f.default_expr := prop.pick(prop.default_pool(f));
        END IF;
      END IF;
      IF f.base = 'relation' THEN
        f.sql_type := 'uuid';
        f.ddl_type := 'uuid';
      END IF;
      f.ddl_default := CASE WHEN f.sql_type = f.ddl_type THEN f.default_expr
                            ELSE replace(f.default_expr, '::' || f.sql_type, '::' || f.ddl_type) END;
      f := prop.choose_type_drift(f);
      INSERT INTO prop.fld SELECT f.*;
      INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable,
                                 default_expr, is_unique, references_entity, on_delete)
      VALUES (f.id, e.id, 'f' || j, f.column_name, prop.field_type_word(f.base), f.sql_type, f.nullable,
              f.default_expr, f.is_unique, (SELECT id FROM prop.ent WHERE idx = f.ref), f.on_delete);
    END LOOP;
  END LOOP;
END
$$;

-- ------------------------------------------------------------------ tables and rows

CREATE FUNCTION prop.create_tables_ddl() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  e prop.ent;
  f prop.fld;
  t prop.ent;
  cols text[];
  def text;
  pos int;
  sch text;
  idx_cols text[];
BEGIN
  FOR sch IN SELECT DISTINCT schema_name FROM prop.ent ORDER BY 1 LOOP
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', sch);
  END LOOP;
  FOR e IN SELECT * FROM prop.ent ORDER BY idx LOOP
    cols := '{}';
    idx_cols := '{}';
    FOR f IN SELECT * FROM prop.fld WHERE ent = e.idx ORDER BY idx LOOP
      def := format('%I %s', f.column_name, f.ddl_type);
      IF NOT f.nullable THEN def := def || ' NOT NULL'; END IF;
      IF f.ddl_default IS NOT NULL THEN def := def || ' DEFAULT ' || f.ddl_default; END IF;
      IF f.is_unique THEN
        IF prop.chance(0.2) THEN  -- a unique index makes the column as unique as a constraint
          idx_cols := idx_cols || f.column_name;
        ELSE
          def := def || ' UNIQUE';
        END IF;
      END IF;
      cols := cols || def;
    END LOOP;
    pos := prop.ri(1, cardinality(cols) + 1);
    cols := cols[1:pos - 1] || format('%I uuid PRIMARY KEY', e.pk) || cols[pos:];
    EXECUTE format('CREATE TABLE %s (%s)', prop.qt(e), array_to_string(cols, ', '));
    FOR i IN 1..coalesce(cardinality(idx_cols), 0) LOOP
      EXECUTE format('CREATE UNIQUE INDEX ON %s (%I)', prop.qt(e), idx_cols[i]);
    END LOOP;
  END LOOP;
  PERFORM prop.insert_rows();
  FOR f IN SELECT * FROM prop.fld WHERE base = 'relation' ORDER BY ent, idx LOOP
    SELECT * INTO e FROM prop.ent WHERE idx = f.ent;
    SELECT * INTO t FROM prop.ent WHERE idx = f.ref;
    EXECUTE format('ALTER TABLE %s ADD FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE %s',
                   prop.qt(e), f.column_name, prop.qt(t), t.pk, f.on_delete);
  END LOOP;
END
$$;

CREATE FUNCTION prop.insert_rows() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  e prop.ent;
  f prop.fld;
  t prop.ent;
  salt numeric;
  v text;
  vals text[];      -- vals[n] is row n, built column by column
  cols text;
  cnt int;
  k int;
BEGIN
  FOR e IN SELECT * FROM prop.ent WHERE nrows > 0 ORDER BY idx LOOP
    cols := format('%I', e.pk);
    SELECT array_agg(format('%L::uuid', id) ORDER BY n) INTO vals FROM prop.rowid WHERE ent = e.idx;
    FOR f IN SELECT * FROM prop.fld WHERE ent = e.idx ORDER BY idx LOOP
      cols := cols || format(', %I', f.column_name);
      salt := CASE
        WHEN f.base IN ('integer', 'bigint') THEN prop.rn(f.lo, f.hi - 30)
        WHEN f.base = 'numeric' THEN prop.rn(-(10::numeric ^ f.pdig - 1), 10::numeric ^ f.pdig - 31)
        WHEN f.base = 'timestamptz' THEN prop.rn(-2000000000, 2000000000)
        WHEN f.base = 'date' THEN prop.rn(-100000, 100000)
        ELSE prop.rn(0, 1000) END;
      IF f.base = 'relation' THEN
        SELECT * INTO t FROM prop.ent WHERE idx = f.ref;
        cnt := t.nrows;
      END IF;
      FOR r IN 1..e.nrows LOOP
        IF f.default_expr IS NOT NULL AND upper(f.default_expr) <> 'NULL' AND NOT f.is_unique
           AND prop.chance(0.1) THEN
          vals[r] := vals[r] || ', DEFAULT';
          CONTINUE;
        END IF;
        IF f.base = 'relation' THEN
          IF cnt = 0 OR t.missing THEN
            v := NULL;
          ELSIF f.is_unique THEN
            v := CASE WHEN r <= cnt THEN
                   (SELECT id::text FROM prop.rowid WHERE ent = t.idx AND n = ((r + salt::int) % cnt) + 1)
                 END;
          ELSIF f.nullable AND prop.chance(0.2) THEN
            v := NULL;
          ELSE
            k := prop.ri(1, cnt);
            v := (SELECT id::text FROM prop.rowid WHERE ent = t.idx AND n = k);
          END IF;
        ELSE
          v := prop.gen_value(f, r, salt);
        END IF;
        IF v IS NULL AND NOT f.nullable THEN
          RAISE EXCEPTION 'generator: NULL for NOT NULL column % of %', f.column_name, prop.qt(e);
        END IF;
        vals[r] := vals[r] || CASE WHEN v IS NULL THEN ', NULL' ELSE format(', %L::%s', v, f.ddl_type) END;
      END LOOP;
    END LOOP;
    EXECUTE format('INSERT INTO %s (%s) VALUES %s', prop.qt(e), cols,
                   (SELECT string_agg('(' || x || ')', ', ' ORDER BY i) FROM unnest(vals) WITH ORDINALITY AS u(x, i)));
  END LOOP;
END
$$;

-- ------------------------------------------------------------------ drift

CREATE FUNCTION prop.rec(p_kind text, p_tbl text, p_object text, p_detail text) RETURNS void
LANGUAGE sql VOLATILE AS $$
  INSERT INTO prop.injected (kind, tbl, object, detail) VALUES (p_kind, p_tbl, p_object, p_detail)
$$;

-- Runs the statements, returns them (for the injected-drift list).
CREATE FUNCTION prop.run(VARIADIC stmts text[]) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  s text;
BEGIN
  FOREACH s IN ARRAY stmts LOOP
    EXECUTE s;
  END LOOP;
  RETURN array_to_string(stmts, '; ');
END
$$;

CREATE FUNCTION prop.attnum(tbl text, col text) RETURNS int2 LANGUAGE sql STABLE AS $$
  SELECT attnum FROM pg_attribute
  WHERE attrelid = tbl::regclass AND attname = col AND attnum > 0 AND NOT attisdropped
$$;

-- Constraints of one kind on exactly this column.
CREATE FUNCTION prop.col_cons(tbl text, col text, ctype "char") RETURNS SETOF name LANGUAGE sql STABLE AS $$
  SELECT conname FROM pg_constraint
  WHERE conrelid = tbl::regclass AND contype = ctype AND conkey = ARRAY[prop.attnum(tbl, col)]
  ORDER BY conname
$$;

-- Foreign keys that reference the table: name, owning table, owning column.
CREATE FUNCTION prop.fks_to(tbl text) RETURNS TABLE (conname name, owner text, object text)
LANGUAGE sql STABLE AS $$
  SELECT c.conname, format('%I.%I', n.nspname, r.relname), format('%I.%I.%I', n.nspname, r.relname, a.attname)
  FROM pg_constraint c
  JOIN pg_class r ON r.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = r.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  WHERE c.contype = 'f' AND c.confrelid = tbl::regclass
  ORDER BY 2, 1
$$;

CREATE FUNCTION prop.inject() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  st prop.state;
  e prop.ent;
  t prop.ent;
  u prop.ent;
  f prop.fld;
  r record;
  tbl text;
  obj text;
  c text;
  nm text;
  variant text;
  action text;
  eff_default text;
  cur_type text;
  stmts text[];
  cnt bigint;
  ok boolean;
BEGIN
  SELECT * INTO st FROM prop.state;

  -- missing_table: the table goes, and with it the foreign keys to it.
  FOR e IN SELECT * FROM prop.ent WHERE missing ORDER BY idx LOOP
    tbl := prop.qt(e);
    FOR r IN SELECT * FROM prop.fks_to(tbl) LOOP
      PERFORM prop.rec('foreign_key_mismatch', r.owner, r.object, 'foreign key dropped with ' || tbl);
    END LOOP;
    PERFORM prop.rec('missing_table', tbl, tbl, prop.run(format('DROP TABLE %s CASCADE', tbl)));
  END LOOP;
  -- A second schema whose tables are all missing may go too (the repair creates it).
  IF st.s2 IS NOT NULL AND prop.chance(0.5)
     AND EXISTS (SELECT FROM pg_namespace WHERE nspname = st.s2)
     AND NOT EXISTS (SELECT FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = st.s2)) THEN
    PERFORM prop.rec('(schema dropped)', NULL, quote_ident(st.s2), prop.run(format('DROP SCHEMA %I', st.s2)));
  END IF;

  -- missing_primary_key (constraint or whole column) and a primary key of type text.
  FOR e IN SELECT * FROM prop.ent WHERE NOT missing ORDER BY idx LOOP
    tbl := prop.qt(e);
    IF NOT EXISTS (SELECT FROM prop.fld WHERE ref = e.idx) AND prop.chance(0.04) THEN
      -- existing rows get fresh keys from the repair: only when nothing refers to them
      PERFORM prop.rec('missing_primary_key', tbl, tbl, prop.run(format('ALTER TABLE %s DROP COLUMN %I', tbl, e.pk)));
      UPDATE prop.ent SET pk_gone = true WHERE idx = e.idx;
      CONTINUE;
    END IF;
    IF prop.chance(0.12) THEN
      FOR r IN SELECT * FROM prop.fks_to(tbl) LOOP
        PERFORM prop.rec('foreign_key_mismatch', r.owner, r.object, 'foreign key dropped with the primary key of ' || tbl);
      END LOOP;
      SELECT conname INTO c FROM pg_constraint WHERE conrelid = tbl::regclass AND contype = 'p';
      PERFORM prop.rec('missing_primary_key', tbl, tbl,
                       prop.run(format('ALTER TABLE %s DROP CONSTRAINT %I CASCADE', tbl, c)));
      UPDATE prop.ent SET pk_dropped = true WHERE idx = e.idx;
    END IF;
    IF prop.chance(0.06) THEN
      FOR r IN SELECT * FROM prop.fks_to(tbl) LOOP
        PERFORM prop.rec('foreign_key_mismatch', r.owner, r.object,
                         prop.run(format('ALTER TABLE %s DROP CONSTRAINT %I', r.owner, r.conname)));
      END LOOP;
      PERFORM prop.rec('type_mismatch', tbl, prop.qc(e, e.pk),
                       prop.run(format('ALTER TABLE %s ALTER COLUMN %I TYPE text', tbl, e.pk)));
      UPDATE prop.ent SET pk_text = true WHERE idx = e.idx;
    END IF;
  END LOOP;

  -- Column-level drift.
  FOR f IN SELECT fl.* FROM prop.fld fl JOIN prop.ent en ON en.idx = fl.ent
           WHERE NOT en.missing ORDER BY fl.ent, fl.idx LOOP
    SELECT * INTO e FROM prop.ent WHERE idx = f.ent;
    tbl := prop.qt(e);
    obj := prop.qc(e, f.column_name);
    eff_default := CASE WHEN upper(f.default_expr) = 'NULL' THEN NULL ELSE f.default_expr END;

    -- missing_column: only where ADD COLUMN can put it back with the rows present.
    IF prop.chance(0.1)
       AND (f.nullable OR eff_default IS NOT NULL OR e.nrows = 0)
       AND (NOT f.is_unique OR eff_default IS NULL OR eff_default = 'gen_random_uuid()' OR e.nrows <= 1) THEN
      DELETE FROM prop.injected WHERE object = obj;
      PERFORM prop.rec('missing_column', tbl, obj,
                       prop.run(format('ALTER TABLE %s DROP COLUMN %I', tbl, f.column_name)));
      UPDATE prop.fld SET dropped = true WHERE ent = f.ent AND idx = f.idx;
      CONTINUE;
    END IF;

    -- foreign_key_mismatch: dropped, other ON DELETE, NOT VALID, wrong target, duplicated.
    IF f.base = 'relation' THEN
      SELECT * INTO t FROM prop.ent WHERE idx = f.ref;
      c := (SELECT x FROM prop.col_cons(tbl, f.column_name, 'f') x LIMIT 1);
      IF f.drift_type IS NOT NULL THEN
        IF c IS NOT NULL THEN  -- a text column cannot keep it
          PERFORM prop.rec('foreign_key_mismatch', tbl, obj,
                           prop.run(format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c)));
        END IF;
      ELSIF c IS NOT NULL AND prop.chance(0.3) THEN
        variant := prop.pick(ARRAY['drop', 'on_delete', 'not_valid', 'wrong_target', 'duplicate']);
        IF variant = 'wrong_target' THEN
          SELECT * INTO u FROM prop.ent
          WHERE idx <> t.idx AND NOT missing AND NOT pk_gone AND NOT pk_dropped AND NOT pk_text
          ORDER BY random() LIMIT 1;
          IF NOT FOUND THEN variant := 'drop'; END IF;
        END IF;
        action := prop.pick(array_remove(ARRAY['no action', 'restrict', 'cascade', 'set null', 'set default'],
                                         f.on_delete));
        stmts := CASE variant
          WHEN 'drop' THEN ARRAY[format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c)]
          WHEN 'on_delete' THEN ARRAY[
            format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c),
            format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE %s',
                   tbl, c, f.column_name, prop.qt(t), t.pk, action)]
          WHEN 'not_valid' THEN ARRAY[
            format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c),
            format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE %s NOT VALID',
                   tbl, c, f.column_name, prop.qt(t), t.pk, f.on_delete)]
          WHEN 'wrong_target' THEN ARRAY[
            format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, c),
            format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE %s NOT VALID',
                   tbl, c, f.column_name, prop.qt(u), u.pk, f.on_delete)]
          ELSE ARRAY[
            format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (%I) ON DELETE %s%s',
                   tbl, 'dup fk ' || f.idx, f.column_name, prop.qt(t), t.pk,
                   CASE WHEN prop.chance(0.5) THEN f.on_delete ELSE action END,
                   CASE WHEN prop.chance(0.5) THEN ' NOT VALID' ELSE '' END)]
          END;
        PERFORM prop.rec('foreign_key_mismatch', tbl, obj, prop.run(VARIADIC stmts));
      END IF;
    END IF;

    -- unique_mismatch, unique field without its constraint (json cannot keep one).
    IF f.is_unique AND (prop.chance(0.15) OR f.drift_type = 'json') THEN
      stmts := ARRAY(SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, x)
                     FROM prop.col_cons(tbl, f.column_name, 'u') x)
               || ARRAY(SELECT format('DROP INDEX %I.%I', e.schema_name, c.relname)
                        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE i.indrelid = tbl::regclass AND i.indisunique AND NOT i.indisprimary
                          AND i.indkey::int2[] = ARRAY[prop.attnum(tbl, f.column_name)]
                          AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = i.indexrelid)
                        ORDER BY c.relname);
      IF cardinality(stmts) > 0 THEN
        PERFORM prop.rec('unique_mismatch', tbl, obj, prop.run(VARIADIC stmts));
      END IF;
    END IF;

    -- type_mismatch: a type that holds these values with the same text.
    IF f.drift_type IS NOT NULL THEN
      PERFORM prop.rec('type_mismatch', tbl, obj,
                       prop.run(format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s',
                                       tbl, f.column_name, f.drift_type, f.column_name, f.drift_type)));
    END IF;
    cur_type := coalesce(f.drift_type, f.ddl_type);

    -- nullability_mismatch, both ways (SET NOT NULL only where no NULLs).
    IF prop.chance(0.15) THEN
      IF NOT f.nullable THEN
        PERFORM prop.rec('nullability_mismatch', tbl, obj,
                         prop.run(format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', tbl, f.column_name)));
      ELSE
        EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NULL', tbl, f.column_name) INTO cnt;
        IF cnt = 0 THEN
          PERFORM prop.rec('nullability_mismatch', tbl, obj,
                           prop.run(format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', tbl, f.column_name)));
        END IF;
      END IF;
    END IF;

    -- default_mismatch: dropped, or another value.
    IF prop.chance(0.15) THEN
      IF eff_default IS NOT NULL AND prop.chance(0.5) THEN
        PERFORM prop.rec('default_mismatch', tbl, obj,
                         prop.run(format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', tbl, f.column_name)));
      ELSE
        PERFORM prop.rec('default_mismatch', tbl, obj,
                         prop.run(format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s',
                                         tbl, f.column_name, prop.drift_default(f))));
      END IF;
    END IF;

    -- unique_mismatch, a unique constraint or index the field does not have.
    IF NOT f.is_unique AND cur_type <> 'json' AND prop.chance(0.1) THEN
      EXECUTE format('SELECT count(%1$I) = count(DISTINCT %1$I) FROM %2$s', f.column_name, tbl) INTO ok;
      IF ok THEN
        PERFORM prop.rec('unique_mismatch', tbl, obj,
                         prop.run(CASE WHEN prop.chance(0.5)
                                       THEN format('ALTER TABLE %s ADD UNIQUE (%I)', tbl, f.column_name)
                                       ELSE format('CREATE UNIQUE INDEX ON %s (%I)', tbl, f.column_name) END));
      END IF;
    END IF;

    -- Not drift: a plain index, which every type change must carry along.
    IF cur_type <> 'json' AND prop.chance(0.08) THEN
      PERFORM prop.rec('(index)', tbl, obj, prop.run(format('CREATE INDEX ON %s (%I)', tbl, f.column_name)));
    END IF;

    -- renamed_column: renamed by hand (the drift log sees it), maybe twice; the
    -- column keeps whatever other drift it got above.
    IF prop.chance(0.08) THEN
      nm := left('was ' || f.column_name, 60);
      stmts := ARRAY[format('ALTER TABLE %s RENAME COLUMN %I TO %I', tbl, f.column_name, nm)];
      IF prop.chance(0.3) THEN
        stmts := stmts || format('ALTER TABLE %s RENAME COLUMN %I TO %I', tbl, nm, nm || ' 2');
      END IF;
      PERFORM prop.rec('renamed_column', tbl, obj, prop.run(VARIADIC stmts));
    END IF;
  END LOOP;

  -- Not drift: a unique index over two columns does not make either unique.
  FOR e IN SELECT * FROM prop.ent WHERE NOT missing AND NOT pk_gone ORDER BY idx LOOP
    CONTINUE WHEN NOT prop.chance(0.1);
    SELECT * INTO f FROM prop.fld
    WHERE ent = e.idx AND NOT dropped AND coalesce(drift_type, '') <> 'json' ORDER BY random() LIMIT 1;
    CONTINUE WHEN NOT FOUND;
    c := (SELECT attname FROM pg_attribute WHERE attrelid = prop.qt(e)::regclass AND attnum = prop.attnum(prop.qt(e), f.column_name));
    CONTINUE WHEN c IS NULL;  -- renamed: look no further
    PERFORM prop.rec('(two-column unique index)', prop.qt(e), prop.qc(e, f.column_name),
                     prop.run(format('CREATE UNIQUE INDEX ON %s (%I, %I)', prop.qt(e), e.pk, f.column_name)));
  END LOOP;

  -- extra_column: reported, never dropped; its values must stay.
  FOR e IN SELECT * FROM prop.ent WHERE NOT missing ORDER BY idx LOOP
    CONTINUE WHEN NOT prop.chance(0.2);
    nm := prop.pick(ARRAY['legacy', 'Extra Col', 'notes "old"', 'größe_alt', 'select_old',
                          'an extra column name that goes on and on and on to the 63rd b']);
    CONTINUE WHEN nm = e.pk OR EXISTS (SELECT FROM prop.fld WHERE ent = e.idx AND column_name = nm);
    tbl := prop.qt(e);
    c := prop.pick(ARRAY['integer', 'text', 'jsonb', 'timestamptz']);
    stmts := ARRAY[format('ALTER TABLE %s ADD COLUMN %I %s', tbl, nm, c)];
    IF prop.chance(0.6) THEN
      -- existing rows get the value (no UPDATE: it would recheck NOT VALID foreign keys);
      -- without the default it is kept as the column's missing value
      stmts[1] := stmts[1] || format(' DEFAULT %L', CASE c WHEN 'integer' THEN '7' WHEN 'text' THEN 'old "value"'
                                                          WHEN 'jsonb' THEN '{"old": true}'
                                                          ELSE '2019-05-06 07:08:09+00' END);
      IF prop.chance(0.5) THEN
        stmts := stmts || format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', tbl, nm);
      END IF;
    END IF;
    PERFORM prop.rec('(extra column)', tbl, prop.qc(e, nm), prop.run(VARIADIC stmts));
    INSERT INTO prop.expect_left VALUES ('extra_column', prop.qc(e, nm));
  END LOOP;

  -- unmanaged_table: reported, never touched, maybe with a foreign key to a managed table.
  IF prop.chance(0.3) THEN
    FOR i IN 1..prop.ri(1, 2) LOOP
      nm := prop.pick(ARRAY['legacy', 'Stale Orders', 'backup"2020', 'größe_alt', 'from', 'e9']);
      CONTINUE WHEN EXISTS (SELECT FROM prop.ent WHERE schema_name = st.s1 AND table_name = nm)
                 OR EXISTS (SELECT FROM prop.expect_left WHERE object = format('%I.%I', st.s1, nm));
      tbl := format('%I.%I', st.s1, nm);
      SELECT * INTO u FROM prop.ent
      WHERE NOT missing AND NOT pk_gone AND NOT pk_dropped AND NOT pk_text AND nrows > 0
      ORDER BY random() LIMIT 1;
      IF FOUND AND prop.chance(0.5) THEN
        stmts := ARRAY[format('CREATE TABLE %s (a integer, b text, c jsonb, ref uuid REFERENCES %s (%I))',
                              tbl, prop.qt(u), u.pk)];
        stmts := stmts || format('INSERT INTO %s SELECT g, %L || g, %L, (SELECT id FROM prop.rowid WHERE ent = %s AND n = 1) FROM generate_series(1, %s) g',
                                 tbl, prop.pick(prop.text_pieces()), '{"k": [1, "two"]}', u.idx, prop.ri(0, 5));
      ELSE
        stmts := ARRAY[format('CREATE TABLE %s (a integer, b text, c jsonb)', tbl)];
        stmts := stmts || format('INSERT INTO %s SELECT g, %L || g, NULL FROM generate_series(1, %s) g',
                                 tbl, prop.pick(prop.text_pieces()), prop.ri(0, 5));
      END IF;
      PERFORM prop.rec('(unmanaged table)', tbl, tbl, prop.run(VARIADIC stmts));
      INSERT INTO prop.expect_left VALUES ('unmanaged_table', tbl);
    END LOOP;
  END IF;

  -- The columns of a missing table have no drift of their own.
  DELETE FROM prop.injected i USING prop.ent en
  WHERE en.missing AND i.tbl = prop.qt(en) AND i.kind <> 'missing_table';
END
$$;

-- ------------------------------------------------------------------ checksums

-- Row count and a digest of every row over the given columns (by attnum: a
-- column renamed by hand is renamed back), each value as text.
CREATE FUNCTION prop.sum_of(relid oid, cols int2[], OUT n bigint, OUT md5 text) LANGUAGE plpgsql STABLE AS $$
DECLARE
  names text[];
BEGIN
  names := ARRAY(SELECT (SELECT format('%I::text', attname) FROM pg_attribute
                         WHERE attrelid = relid AND attnum = c AND NOT attisdropped)
                 FROM unnest(cols) WITH ORDINALITY u(c, i) ORDER BY i);
  IF array_position(names, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'column number % of % no longer exists', cols[array_position(names, NULL)], relid::regclass;
  END IF;
  EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), %L)) '
                 'FROM (SELECT ROW(%s)::text AS r FROM %s) x',
                 '', array_to_string(names, ', '), relid::regclass)
  INTO n, md5;
END
$$;

-- Every table of the case's schemas, over the columns it has now.
CREATE FUNCTION prop.table_sums() RETURNS TABLE (relid oid, tbl text, cols int2[], n bigint, md5 text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid, format('%I.%I', ns.nspname, c.relname) AS t,
           ARRAY(SELECT attnum FROM pg_attribute
                 WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS cs
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND ns.nspname IN (SELECT s1 FROM prop.state UNION SELECT s2 FROM prop.state)
    ORDER BY 2
  LOOP
    relid := r.oid;
    tbl := r.t;
    cols := r.cs;
    SELECT s.n, s.md5 INTO n, md5 FROM prop.sum_of(r.oid, r.cs) s;
    RETURN NEXT;
  END LOOP;
END
$$;

-- ------------------------------------------------------------------ one case

CREATE FUNCTION prop.teardown() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  s name;
BEGIN
  TRUNCATE selegic.entity CASCADE;
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('public', 'prop', 'selegic', 'information_schema')
             AND nspname NOT LIKE 'pg\_%' ORDER BY 1 LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  TRUNCATE prop.state, prop.ent, prop.fld, prop.rowid, prop.injected, prop.expect_left, prop.snap,
           prop.before, prop.after_dry, prop.result, prop.after_run, prop.sums_after;
END
$$;

CREATE FUNCTION prop.setup_case(p_seed bigint, p_case int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  m text;
  msg text;
BEGIN
  PERFORM setseed(hashint8(p_seed * 1000003 + p_case)::float8 / 2147483648.0);
  INSERT INTO prop.state (seed, case_no) VALUES (p_seed, p_case);
  PERFORM prop.gen_metadata(p_case);
  -- The case's enum and domain, in its first schema (which therefore exists).
  EXECUTE format('CREATE SCHEMA %I', (SELECT s1 FROM prop.state));
  EXECUTE format('CREATE TYPE %I.mood AS ENUM (%s)', (SELECT s1 FROM prop.state),
                 (SELECT string_agg(quote_literal(l), ', ') FROM unnest(prop.mood_labels()) l));
  EXECUTE format('CREATE DOMAIN %I.posint AS integer CHECK (VALUE > 0)', (SELECT s1 FROM prop.state));

  -- In sync first: our own DDL, or the repair itself on the empty schema.
  m := CASE WHEN prop.chance(0.25) THEN 'resync' ELSE 'ddl' END;
  UPDATE prop.state SET mode = m;
  IF m = 'ddl' THEN
    PERFORM prop.create_tables_ddl();
  ELSE
    PERFORM count(*) FROM selegic_resync_all();
    -- rows go in table by table; the foreign keys hold by construction
    PERFORM set_config('session_replication_role', 'replica', true);
    PERFORM prop.insert_rows();
    PERFORM set_config('session_replication_role', 'origin', true);
  END IF;
  SELECT string_agg(format('%s %s (expected %s, actual %s)', kind, object, expected, actual), '; ')
  INTO msg FROM selegic_drift();
  IF msg IS NOT NULL THEN
    RAISE EXCEPTION 'tables created to match the metadata (%) are reported as drift: %', m, msg;
  END IF;

  PERFORM prop.inject();
  INSERT INTO prop.before SELECT kind, object, expected, actual FROM selegic_drift();
  INSERT INTO prop.snap SELECT * FROM prop.table_sums();
  UPDATE prop.state SET setup_done = true;
  RETURN format('case %s (%s): %s entities, %s fields, %s rows, %s drift rows reported', p_case, m,
                (SELECT count(*) FROM prop.ent), (SELECT count(*) FROM prop.fld),
                (SELECT sum(nrows) FROM prop.ent), (SELECT count(*) FROM prop.before));
END
$$;

-- Right after the repair (before the second one): the drift report and the
-- digests of the tables as they were before it.
CREATE FUNCTION prop.after_repair() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r record;
  cur record;
BEGIN
  INSERT INTO prop.after_run SELECT d.kind, d.object, d.expected, d.actual, d.fix FROM selegic_drift() d;
  FOR r IN SELECT * FROM prop.snap ORDER BY tbl LOOP
    BEGIN
      SELECT * INTO cur FROM prop.sum_of(r.relid, r.cols);
      INSERT INTO prop.sums_after VALUES (r.relid, cur.n, cur.md5, NULL);
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO prop.sums_after VALUES (r.relid, NULL, NULL, SQLERRM);
    END;
  END LOOP;
  UPDATE prop.state SET after_done = true;
END
$$;

-- What a statement says once identifiers and literals are blanked out.
CREATE FUNCTION prop.bare(stmt text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(stmt, '"([^"]|"")*"', 'I', 'g'), '''([^'']|'''')*''', 'L', 'g')
$$;

CREATE FUNCTION prop.check_case() RETURNS SETOF text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  st prop.state;
  fails text[] := '{}';
  r record;
  cur record;
  dry text[];
  ran text[];
BEGIN
  SELECT * INTO st FROM prop.state;
  IF NOT FOUND OR NOT st.setup_done THEN
    fails := fails || 'setup failed (the error is above)'::text;
  ELSE
    -- (1) only extra columns and unmanaged tables are left: exactly the injected ones
    FOR r IN SELECT * FROM prop.after_run WHERE kind NOT IN ('extra_column', 'unmanaged_table') ORDER BY object, kind LOOP
      fails := fails || format('drift left after the repair: %s %s (expected %s, actual %s)',
                               r.kind, r.object, r.expected, r.actual);
    END LOOP;
    FOR r IN (SELECT kind, object FROM prop.after_run WHERE kind IN ('extra_column', 'unmanaged_table')
              EXCEPT SELECT kind, object FROM prop.expect_left) ORDER BY 2 LOOP
      fails := fails || format('reported after the repair but never injected: %s %s', r.kind, r.object);
    END LOOP;
    FOR r IN (SELECT kind, object FROM prop.expect_left EXCEPT SELECT kind, object FROM prop.after_run) ORDER BY 2 LOOP
      fails := fails || format('injected but no longer reported after the repair: %s %s', r.kind, r.object);
    END LOOP;

    -- (2) every row of every table, over the columns that existed before the repair
    IF NOT st.after_done THEN
      fails := fails || 'the state after the repair was not captured (the error is above)'::text;
    END IF;
    FOR r IN SELECT * FROM prop.snap ORDER BY tbl LOOP
      SELECT * INTO cur FROM prop.sums_after a WHERE a.relid = r.relid;
      CONTINUE WHEN NOT FOUND;
      IF cur.problem IS NOT NULL THEN
        fails := fails || format('table %s cannot be read after the repair: %s', r.tbl, cur.problem);
      ELSIF cur.n <> r.n OR cur.md5 <> r.md5 THEN
        fails := fails || format('table %s changed: %s rows (digest %s) before the repair, %s rows (digest %s) after',
                                 r.tbl, r.n, r.md5, cur.n, cur.md5);
      END IF;
    END LOOP;

    -- (3) the second resync runs nothing
    FOR r IN SELECT stmt FROM prop.result WHERE phase = 'again' ORDER BY n LOOP
      fails := fails || format('second selegic_resync_all() ran: %s', r.stmt);
    END LOOP;

    -- every injected drift was reported before the repair
    FOR r IN (SELECT kind, object FROM prop.injected WHERE kind NOT LIKE '(%'
              EXCEPT SELECT kind, object FROM prop.before) ORDER BY 2, 1 LOOP
      fails := fails || format('injected drift not reported before the repair: %s %s', r.kind, r.object);
    END LOOP;

    -- the dry run listed exactly what the repair ran, and changed nothing
    dry := ARRAY(SELECT stmt FROM prop.result WHERE phase = 'dry' ORDER BY n);
    ran := ARRAY(SELECT stmt FROM prop.result WHERE phase = 'run' ORDER BY n);
    IF dry IS DISTINCT FROM ran THEN
      fails := fails || format('the dry run listed %s statements, the repair ran %s; first difference: dry %L, run %L',
                               cardinality(dry), cardinality(ran),
                               (SELECT d FROM unnest(dry) WITH ORDINALITY a(d, i)
                                WHERE d IS DISTINCT FROM ran[i] ORDER BY i LIMIT 1),
                               (SELECT x FROM unnest(ran) WITH ORDINALITY a(x, i)
                                WHERE x IS DISTINCT FROM dry[i] ORDER BY i LIMIT 1));
    END IF;
    IF EXISTS ((SELECT * FROM prop.before EXCEPT ALL SELECT * FROM prop.after_dry)
               UNION ALL (SELECT * FROM prop.after_dry EXCEPT ALL SELECT * FROM prop.before)) THEN
      fails := fails || 'the dry run changed the drift report'::text;
    END IF;

    -- nothing destructive
    FOR r IN SELECT stmt FROM prop.result WHERE phase IN ('run', 'again')
             AND prop.bare(stmt) ~* '^\s*(DROP\s+(TABLE|SCHEMA)|TRUNCATE|DELETE|UPDATE)\M|\mDROP\s+COLUMN\M|;\s*\S'
             ORDER BY phase, n LOOP
      fails := fails || format('destructive repair statement: %s', r.stmt);
    END LOOP;
  END IF;

  IF cardinality(fails) = 0 THEN
    RETURN NEXT 'PROPERTY_OK';
    RETURN;
  END IF;
  RETURN NEXT 'PROPERTY_FAIL';
  RETURN QUERY SELECT '  ' || x FROM unnest(fails) x;
  IF st.case_no IS NULL THEN
    RETURN;
  END IF;
  RETURN NEXT format('case %s of seed %s: set up by %s, schema %s%s', st.case_no, st.seed, st.mode,
                     quote_ident(st.s1), coalesce(' and ' || quote_ident(st.s2), ''));
  RETURN NEXT 'metadata:';
  RETURN QUERY
    SELECT format('  entity %s %s.%s pk %s, %s rows%s', e.idx, quote_ident(e.schema_name),
                  quote_ident(e.table_name), quote_ident(e.pk), e.nrows,
                  CASE WHEN e.missing THEN ' (table never kept)' ELSE '' END)
    FROM prop.ent e ORDER BY e.idx;
  RETURN QUERY
    SELECT format('  field %s.%s %s sql_type %L%s%s%s%s%s', f.ent, f.idx, quote_ident(f.column_name), f.sql_type,
                  CASE WHEN f.nullable THEN '' ELSE ' NOT NULL' END,
                  coalesce(' DEFAULT ' || f.default_expr, ''), CASE WHEN f.is_unique THEN ' UNIQUE' ELSE '' END,
                  CASE WHEN f.ref IS NOT NULL THEN format(' -> entity %s ON DELETE %s', f.ref, f.on_delete) ELSE '' END,
                  coalesce(' (drifts to ' || f.drift_type || ')', ''))
    FROM prop.fld f ORDER BY f.ent, f.idx;
  RETURN NEXT 'injected drift:';
  RETURN QUERY SELECT format('  %s %s: %s', i.kind, i.object, i.detail) FROM prop.injected i ORDER BY i.seq;
  RETURN NEXT 'drift reported before the repair:';
  RETURN QUERY SELECT format('  %s %s (expected %s, actual %s)', b.kind, b.object, b.expected, b.actual)
               FROM prop.before b ORDER BY b.object, b.kind;
  RETURN NEXT 'statements run by selegic_resync_all():';
  RETURN QUERY SELECT '  ' || x.stmt FROM prop.result x WHERE x.phase = 'run' ORDER BY x.n;
  RETURN NEXT 'drift left after the repair:';
  RETURN QUERY SELECT format('  %s %s (expected %s, actual %s) fix %s', l.kind, l.object, l.expected, l.actual, l.fix)
               FROM prop.after_run l ORDER BY l.object, l.kind;
END
$$;
