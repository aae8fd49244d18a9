// Runs a repair plan through SPI: all or nothing, under selegic.lock_timeout,
// with failures explained by the plan's prechecks. A dry run only checks.
#pragma once

#include "core/drift.hpp"

namespace selegic::pg {

// Returns the script that ran (or would run): each statement with its ';',
// and in a dry run a "-- would fail: ..." line before each statement that
// existing rows would make fail.
core::Vector<core::String> run_repair(const core::Vector<core::Statement> &plan, bool dry_run);

// A dry run's last lines: what waived rows would run once the waiver ends,
// "-- waived until <time>: <statement>;".
void append_waived(const core::Vector<core::DriftRow> &rows, core::Vector<core::String> &script);

}  // namespace selegic::pg
