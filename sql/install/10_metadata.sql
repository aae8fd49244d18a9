-- The schema and the replicated metadata tables.

CREATE SCHEMA selegic;
COMMENT ON SCHEMA selegic IS 'Replicated Selegic metadata and the drift log';

CREATE TABLE selegic.entity (
    id           uuid PRIMARY KEY,
    slug         text NOT NULL UNIQUE,
    schema_name  name NOT NULL DEFAULT 'public',
    table_name   name NOT NULL,
    primary_key  name NOT NULL DEFAULT 'id',
    UNIQUE (schema_name, table_name)
);
COMMENT ON TABLE selegic.entity IS 'Selegic entities (one table each), replicated from the central metadata database';

CREATE TABLE selegic.field (
    id                 uuid PRIMARY KEY,
    entity_id          uuid NOT NULL REFERENCES selegic.entity ON DELETE CASCADE,
    slug               text NOT NULL,
    column_name        name NOT NULL,
    field_type         text NOT NULL,
    sql_type           text NOT NULL,
    is_nullable        boolean NOT NULL DEFAULT true,
    default_expr       text,
    is_unique          boolean NOT NULL DEFAULT false,
    references_entity  uuid REFERENCES selegic.entity,
    on_delete          text NOT NULL DEFAULT 'no action'
                       CHECK (on_delete IN ('no action','restrict','cascade','set null','set default')),
    UNIQUE (entity_id, slug),
    UNIQUE (entity_id, column_name)
);
COMMENT ON TABLE selegic.field IS 'Selegic fields (one column each), replicated from the central metadata database';

-- Relation fields are looked up by target when an entity is checked or dropped.
CREATE INDEX field_references_entity_idx ON selegic.field (references_entity)
    WHERE references_entity IS NOT NULL;

SELECT pg_catalog.pg_extension_config_dump('selegic.entity', '');
SELECT pg_catalog.pg_extension_config_dump('selegic.field', '');

-- Metadata is written by the API (or by replication); everyone else may read it.
GRANT USAGE ON SCHEMA selegic TO PUBLIC;
GRANT SELECT ON selegic.entity, selegic.field TO PUBLIC;
