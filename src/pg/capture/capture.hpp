// The DDL capture: what each event trigger does, and what selegic.capture
// and selegic.manual_ddl make of it.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "commands/event_trigger.h"
}

namespace selegic::pg {

// selegic.manual_ddl
enum class ManualDdl { Log, Warn, Block };
// Settings (defined in module.cpp).
extern int manual_ddl;        // a ManualDdl
extern bool capture_enabled;  // selegic.capture

// Event trigger bodies. A failure of the capture itself is one WARNING under
// log and warn (the DDL goes on, nothing is recorded) and refuses the DDL
// under block; an interrupt (cancel, timeout, shutdown) propagates as it
// would without the extension.
void capture_ddl_command_end(EventTriggerData *trigger);
void capture_sql_drop(EventTriggerData *trigger);
void capture_table_rewrite(EventTriggerData *trigger);

// Clears what a statement's events leave for its ddl_command_end when a
// (sub)transaction ends.
void register_capture_callbacks();

}  // namespace selegic::pg
