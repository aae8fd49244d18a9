-- Repair: selegic_resync*, and the check a dry run and a failed repair use
-- to count the rows a type change cannot convert.

-- Rows of rel whose col does not convert to target; with exact, also rows
-- whose value would not come back unchanged (converted to target and back to
-- the column's type): what an assignment cast would cut short or round.
-- Tries the whole column at once first, value by value only when that fails,
-- so the common case costs one scan.
CREATE FUNCTION selegic.uncastable_rows(rel text, col name, target text, exact boolean)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  relid regclass := rel::regclass;
  c text := quote_ident(col);
  source text;
  n bigint := 0;
  r record;
  changed boolean;
BEGIN
  IF to_regtype(target) IS NULL THEN
    RAISE EXCEPTION 'type "%" does not exist', target USING ERRCODE = 'undefined_object';
  END IF;
  SELECT format_type(atttypid, atttypmod) INTO source
  FROM pg_attribute WHERE attrelid = relid AND attname = col AND attnum > 0 AND NOT attisdropped;
  IF source IS NULL THEN
    RAISE EXCEPTION 'column "%" of relation % does not exist', col, relid
      USING ERRCODE = 'undefined_column';
  END IF;
  BEGIN
    IF exact THEN
      BEGIN
        EXECUTE format('SELECT count(*) FROM %s WHERE %s IS NOT NULL AND (%s::%s)::%s IS DISTINCT FROM %s',
                       relid, c, c, target, source, c) INTO n;
      EXCEPTION WHEN undefined_function THEN
        -- The column's type has no equality (json, xml, point): whether each
        -- value converts is all that can be checked.
        exact := false;
        EXECUTE format('SELECT count(%s::%s) FROM %s', c, target, relid) INTO n;
        n := 0;
      END;
    ELSE
      EXECUTE format('SELECT count(%s::%s) FROM %s', c, target, relid) INTO n;
      n := 0;
    END IF;
    RETURN n;
  EXCEPTION WHEN data_exception THEN
    n := 0;  -- some value fails: count them one distinct value at a time
  END;
  FOR r IN EXECUTE format('SELECT %s AS v, count(*) AS rows FROM %s WHERE %s IS NOT NULL GROUP BY 1',
                          c, relid, c) LOOP
    BEGIN
      EXECUTE format('SELECT ($1::%s)::%s IS DISTINCT FROM $1', target, source)
        USING r.v INTO changed;
      IF exact AND changed THEN
        n := n + r.rows;
      END IF;
    EXCEPTION WHEN data_exception THEN
      n := n + r.rows;
    END;
  END LOOP;
  RETURN n;
END
$fn$;
-- A repair counts as each table's owner (see docs/security.md), so every role
-- may call it; it only counts rows of a table the caller can read. (Revoked
-- and granted, as 1.0 then 1.1 left it, so both paths hold the same ACL.)
REVOKE EXECUTE ON FUNCTION selegic.uncastable_rows(text, name, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION selegic.uncastable_rows(text, name, text, boolean) TO PUBLIC;

CREATE FUNCTION selegic_resync(field_id uuid, dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync(uuid, boolean) IS
    'Repairs the drift of one field (creating its table if missing); returns the statements run, or with dry_run those that would run';

CREATE FUNCTION selegic_resync_entity(entity_id uuid, dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync_entity'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync_entity(uuid, boolean) IS
    'Repairs the drift of one entity; returns the statements run, or with dry_run those that would run';

CREATE FUNCTION selegic_resync_all(dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync_all'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync_all(boolean) IS
    'Repairs all fixable drift of every entity (Synchronize All); returns the statements run, or with dry_run those that would run';

-- Repairs run as the caller, who must own the tables as for any ALTER TABLE;
-- EXECUTE is granted by a DBA to the roles that may repair.
REVOKE EXECUTE ON FUNCTION selegic_resync(uuid, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION selegic_resync_entity(uuid, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION selegic_resync_all(boolean) FROM PUBLIC;
