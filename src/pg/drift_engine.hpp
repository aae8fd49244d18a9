// The whole drift computation, shared by selegic_drift() and the repair
// functions so that a row's fix and a repair can never differ.
#pragma once

#include <optional>

#include "core/drift.hpp"

namespace selegic::pg {

// Every entity (entity_id empty) or one entity (42704 when unknown), computed
// from scratch, waivers applied. The repairs always use this.
core::Vector<core::DriftRow> current_drift(const std::optional<core::Uuid> &entity_id);

// The pieces a cache puts together (no waivers applied).
struct Computed {
    core::Vector<core::DriftRow> rows;
    core::Catalog catalog;  // what was read, for the cache's dependencies
};
// Every entity of the metadata, orphans and unmanaged tables included.
Computed compute_all(const core::Metadata &metadata);
// Only these entities (read through the catalogs' indexes), no orphans, no
// unmanaged tables.
Computed compute_entities(const core::Metadata &metadata, const core::FlatSet<core::Uuid> &which);
// Only the unmanaged_table rows; relations receives every table of the
// managed schemas.
core::Vector<core::DriftRow> compute_unmanaged(const core::Metadata &metadata,
                                               core::Catalog &relations);

// The invalid_metadata rows of fields without an entity.
core::Vector<core::DriftRow> compute_orphans(const core::Metadata &metadata);

// Waivers in force, and the report's order.
void finish_rows(core::Vector<core::DriftRow> &rows);

}  // namespace selegic::pg
