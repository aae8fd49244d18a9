// Reads the replicated Selegic metadata (selegic.entity, selegic.field) straight
// from the heap or through their indexes, in the statement's snapshot.
#pragma once

#include <optional>

#include "core/drift.hpp"
#include "core/model.hpp"

namespace selegic::pg {

// Every entity with its fields.
core::Vector<core::Entity> read_all_entities();
// The same, and the fields whose entity row does not exist.
core::Metadata read_metadata();

// One entity with its fields, plus (unchecked, without fields) the entities its
// relation fields reference. Throws 42704 when the entity does not exist.
core::Vector<core::Entity> read_entity(const core::Uuid &id);

// Column renames the drift log recorded and nobody resolved, oldest first:
// of every entity (complete) or of the checked entities only.
core::Vector<core::Rename> read_renames(const core::Vector<core::Entity> &entities, bool complete);

// Every waiver in selegic.waiver (none when the table does not exist yet:
// a database still at version 1.0).
core::Vector<core::Waiver> read_waivers();

// The entity a field belongs to. Throws 42704 when the field does not exist,
// or when its entity does not (naming the field).
core::Uuid read_field_entity(const core::Uuid &field_id);

}  // namespace selegic::pg
