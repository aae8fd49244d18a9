// Reads what the catalog holds for the metadata's tables: relations,
// columns, defaults, keys and unique indexes, straight from pg_class,
// pg_attribute, pg_attrdef, pg_constraint and pg_index.
#pragma once

#include "core/model.hpp"
#include "pg/resolver.hpp"

namespace selegic::pg {

// complete = true: every relation of every managed schema, read with one
// sequential scan per catalog (for the whole-database report). Otherwise only
// the relations the entities name, read through the catalogs' indexes, so
// checking one entity costs the same however large the database is.
core::Catalog read_catalog(const core::Vector<core::Entity> &entities, bool complete,
                           DefaultInterner &defaults);

// Only the relations of every managed schema (no columns, no keys): what the
// unmanaged_table rows need.
core::Catalog read_managed_relations(const core::Vector<core::Entity> &entities);

}  // namespace selegic::pg
