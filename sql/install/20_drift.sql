-- The drift report. PARALLEL UNSAFE: it resolves metadata in subtransactions.
-- waived_until: the end of a waiver in force for the row (selegic.waiver), or NULL.
CREATE FUNCTION selegic_drift(entity_id uuid DEFAULT NULL)
RETURNS TABLE(kind text, entity_id uuid, field_id uuid, object text,
              expected text, actual text, fix text, waived_until timestamptz)
AS 'MODULE_PATHNAME', 'selegic_drift'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_drift(uuid) IS
    'Differences between the Selegic metadata and the catalog, one row each, with the SQL that repairs them';

-- The one rule for the schemas an entity may not use: PostgreSQL's own and the
-- extension's. The report, the repairs and selegic_preflight() share it.
-- NULL when the schema may be used, else why not.
CREATE FUNCTION selegic.forbidden_schema(schema_name name) RETURNS text
AS 'MODULE_PATHNAME', 'selegic_forbidden_schema'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic.forbidden_schema(name) IS
    'Why an entity may not use this schema (PostgreSQL''s own, or the extension''s), or NULL';
