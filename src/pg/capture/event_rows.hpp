// What one DDL statement did to managed objects, as drift log rows: read from
// the event trigger's data (pg_event_trigger_ddl_commands,
// pg_event_trigger_dropped_objects, pg_event_trigger_table_rewrite_oid).
#pragma once

#include <optional>

#include "pg/capture/managed_cache.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "commands/event_trigger.h"
}

namespace selegic::pg {

struct LogRow {
    core::String command_tag;
    std::optional<core::String> action;  // "add column", "drop index", ...
    core::String object_identity;
    std::optional<core::Uuid> entity_id;
    std::optional<core::Uuid> field_id;
    std::optional<core::String> old_name;
    std::optional<core::String> new_name;
    core::String object;  // quoted, qualified: for messages and the notification
};

// True when the statement names one relation, and no managed schema can hold
// it: then there is nothing to record, decided from the parse tree alone (a
// syscache probe or one per managed schema, no allocation, no search_path).
// False when that cannot be told cheaply.
bool plainly_unmanaged(const Node *parsetree, const ManagedCache &cache);

// The rows of each event. Call inside guard(): they call PostgreSQL.
void collect_ddl_command_end(const ManagedCache &cache, core::Vector<LogRow> &rows);
void collect_sql_drop(const ManagedCache &cache, const char *command_tag,
                      core::Vector<LogRow> &rows);
void collect_table_rewrite(const ManagedCache &cache, const char *command_tag,
                           core::Vector<LogRow> &rows);
// The row of a rewrite of relid (seen earlier by table_rewrite).
void collect_rewrite(const ManagedCache &cache, Oid relid, const char *command_tag,
                     core::Vector<LogRow> &rows);
// The relation table_rewrite fires for.
Oid rewritten_relation();
// Whether ddl_command_end of this statement has nothing to record: an ALTER
// TABLE whose every sub-command is a drop, which sql_drop records.
bool only_drops(const Node *parsetree);

}  // namespace selegic::pg
