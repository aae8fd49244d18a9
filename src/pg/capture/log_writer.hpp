// Writing the drift log: rows inserted with the executor's semantics (every
// index, constraint, default and trigger a DBA adds to selegic.drift_log
// works), the NOTIFY of each manual row, and the resolution of rows a repair
// made obsolete.
#pragma once

#include "pg/capture/event_rows.hpp"

namespace selegic::pg {

// Inserts the rows (origin manual or api); their ids are appended to ids.
// Call inside guard().
void write_log_rows(const core::Vector<LogRow> &rows, bool manual, Oid field_relid,
                    core::Vector<core::Uuid> &ids);

// NOTIFY selegic_drift with each row's JSON payload. Call inside guard().
void notify_log_rows(const core::Vector<LogRow> &rows, const core::Vector<core::Uuid> &ids);

// Marks resolved the unresolved manual log rows a repair has just repaired:
// those of these fields, the table-level rows the same manual statements
// produced (the rewrite of an ALTER COLUMN TYPE), and every table-level row
// of these entities.
void resolve_log_rows(const core::Vector<core::Uuid> &fields,
                      const core::Vector<core::Uuid> &entities, const char *resolution);

}  // namespace selegic::pg
