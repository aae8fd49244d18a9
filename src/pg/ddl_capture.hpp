// The real-time drift log: what the event triggers record, and who counts as
// the API.
#pragma once

#include "core/types.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "commands/event_trigger.h"
}

namespace selegic::pg {

// selegic.manual_ddl
enum class ManualDdl { Log, Warn, Block };

// Settings (defined in module.cpp).
extern bool log_api_ddl;
extern int manual_ddl;  // a ManualDdl
extern char *api_roles;

// While true, DDL in this backend is the API's: selegic_api_execute() and the
// repair functions set it around the statements they run.
class ApiScope {
public:
    ApiScope();
    ~ApiScope();
    ApiScope(const ApiScope &) = delete;
    ApiScope &operator=(const ApiScope &) = delete;

    static bool active();
    // After an ERROR the destructor may not have run: transaction end resets.
    static void reset();

private:
    bool previous_;
};

// Event trigger bodies. They never throw: a failure in the capture becomes a
// WARNING (the DDL goes on), except the deliberate ERROR of block mode.
void capture_ddl_command_end(EventTriggerData *trigger);
void capture_sql_drop(EventTriggerData *trigger);
void capture_table_rewrite(EventTriggerData *trigger);

// Marks resolved the unresolved manual log rows a repair has just repaired:
// those of these fields, and the table-level ones (no field) of these entities.
void resolve_log_rows(const core::Vector<core::Uuid> &fields,
                      const core::Vector<core::Uuid> &entities, const char *resolution);

// The per-backend cache of what the metadata manages; invalidated when
// selegic.entity or selegic.field change in any backend.
void register_managed_cache_invalidation();
void invalidate_managed_cache();

}  // namespace selegic::pg
