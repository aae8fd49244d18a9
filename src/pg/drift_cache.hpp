// The per-backend cache behind selegic_drift() (selegic.drift_cache = on).
//
// It keeps the metadata it computed from and every entity's rows, and on the
// next call recomputes only the entities whose tables, foreign key targets or
// metadata changed since, as PostgreSQL's invalidation messages and the
// metadata tables' triggers report it:
//  - a relcache invalidation of a table (its columns, defaults, constraints,
//    indexes, a rename, a drop) marks the entities that depend on it; one of
//    a relation it does not know is looked up at the next call (a new table
//    in a managed schema may be an entity's missing table, or unmanaged);
//  - a relcache invalidation of selegic.entity or selegic.field (their
//    triggers send one, for any session, the apply worker, and this
//    transaction, and again when it rolls back) makes it read the metadata
//    again and recompute the entities whose definition changed, and those
//    that reference them; one of selegic.drift_log (updates, deletes: a rename
//    resolved) does the same for renames;
//  - a change to types, functions, casts, operators, collations or schemas
//    anywhere recomputes everything, since the metadata's text may resolve
//    differently;
//  - entities with a type difference are recomputed when any view or rule
//    changes (a view decides whether a type can change, yet sends no
//    invalidation of the tables it reads).
// Memory: the cache keeps the metadata and the rows in a context of its own;
// when that grows past 64 MB the cache is dropped and each call computes
// cold, so a backend never holds more than that for it.
#pragma once

#include <optional>

#include "core/drift.hpp"

namespace selegic::pg {

// The rows of every entity (entity_id empty) or of one (42704 when unknown),
// from the cache, brought up to date first.
core::Vector<core::DriftRow> cached_drift(const std::optional<core::Uuid> &entity_id);

// Drops everything the cache holds (the next call computes cold).
void reset_drift_cache();

void register_drift_cache_invalidation();

}  // namespace selegic::pg
