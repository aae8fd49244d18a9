// The whole drift computation of one call, shared by selegic_drift() and the
// repair functions so that a row's fix and a repair can never differ.
#pragma once

#include <optional>

#include "core/drift.hpp"

namespace selegic::pg {

// Every entity (entity_id empty) or one entity (42704 when unknown).
core::Vector<core::DriftRow> current_drift(const std::optional<core::Uuid> &entity_id);

}  // namespace selegic::pg
