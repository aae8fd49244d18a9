#include "pg/ddl_capture.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <optional>
#include <string>

#include "core/drift.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/sql_values.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_trigger.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "tcop/tcopprot.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "tcop/deparse_utility.h"
#include "utils/guc.h"
#include "utils/inet.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/varlena.h"
#include "utils/xid8.h"
#include "executor/spi.h"
#include "utils/array.h"
}

namespace selegic::pg {

using core::String;

// ------------------------------------------------------------------ API scope

namespace {
bool api_scope_active = false;
}

ApiScope::ApiScope() : previous_(api_scope_active) {
    api_scope_active = true;
}
ApiScope::~ApiScope() {
    api_scope_active = previous_;
}
bool ApiScope::active() {
    return api_scope_active;
}
void ApiScope::reset() {
    api_scope_active = false;
}

namespace {

// ------------------------------------------------------------------ cache

// What the metadata manages, by name: names survive the catalog changes that
// invalidate relcache entries all the time, so only metadata changes
// invalidate this.
struct ManagedTable {
    core::Uuid entity_id;
    core::FlatMap<String, core::Uuid> field_by_column;
};

// "schema\0table": names cannot hold a NUL, so the key is unambiguous.
String table_key(const String &schema, const String &table) {
    String key = schema;
    key.push_back('\0');
    key += table;
    return key;
}

struct ManagedCache {
    core::FlatSet<String> schemas;
    core::FlatMap<String, ManagedTable> tables;  // by table_key
    Oid entity_relid = InvalidOid;
    Oid field_relid = InvalidOid;
};

MemoryContext cache_cxt = nullptr;
ContextResource *cache_resource = nullptr;
ManagedCache *cache = nullptr;
bool cache_stale = true;

void on_relcache_invalidation(Datum, Oid relid) {
    // Only a flag: this can run in the middle of a cache lookup; the cache is
    // rebuilt at the start of the next capture.
    if (!cache || relid == InvalidOid || relid == cache->entity_relid ||
        relid == cache->field_relid)
        cache_stale = true;
}

const ManagedCache &managed_cache() {
    if (cache && !cache_stale) return *cache;
    if (!cache_cxt) {
        cache_cxt = AllocSetContextCreate(TopMemoryContext, "selegic managed cache",
                                          ALLOCSET_DEFAULT_SIZES);
        void *mem = MemoryContextAlloc(TopMemoryContext, sizeof(ContextResource));
        cache_resource = new (mem) ContextResource(cache_cxt);
    }
    cache = nullptr;
    MemoryContextReset(cache_cxt);
    cache_stale = false;  // before reading: a change during the read re-marks it

    core::Vector<core::Entity> entities = read_all_entities();  // call memory
    // A column renamed by hand is still its field's under the new name: later
    // DDL on it is resolved to the field, and repaired with it.
    core::Vector<core::Rename> renames = read_renames(entities, true);
    DefaultResourceScope in_cache(cache_resource);
    auto *built =
        new (cache_resource->allocate(sizeof(ManagedCache), alignof(ManagedCache))) ManagedCache();
    core::Vector<std::pair<String, ManagedTable>> tables;
    tables.reserve(entities.size());
    for (const core::Entity &e : entities) {
        if (e.schema_name.empty() || core::is_forbidden_schema(e.schema_name)) continue;
        built->schemas.insert(String(e.schema_name));
        ManagedTable t;
        t.entity_id = e.id;
        core::Vector<std::pair<String, core::Uuid>> fields;
        fields.reserve(e.fields.size());
        for (const core::Field &f : e.fields) fields.emplace_back(String(f.column_name), f.id);
        for (const core::Rename &r : renames) {
            if (r.entity_id != e.id) continue;
            auto from = std::find_if(fields.begin(), fields.end(),
                                     [&](const auto &f) { return f.first == r.old_name; });
            if (from != fields.end()) fields.emplace_back(String(r.new_name), from->second);
        }
        std::stable_sort(fields.begin(), fields.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        // The metadata's own name wins over a name a rename gave another column.
        fields.erase(std::unique(fields.begin(), fields.end(),
                                 [](const auto &a, const auto &b) { return a.first == b.first; }),
                     fields.end());
        t.field_by_column.insert(boost::container::ordered_unique_range, fields.begin(),
                                 fields.end());
        tables.emplace_back(table_key(e.schema_name, e.table_name), std::move(t));
    }
    std::sort(tables.begin(), tables.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    built->tables.insert(boost::container::ordered_unique_range,
                         std::make_move_iterator(tables.begin()),
                         std::make_move_iterator(tables.end()));
    guard([&] {
        Oid nsp = get_namespace_oid("selegic", false);
        built->entity_relid = get_relname_relid("entity", nsp);
        built->field_relid = get_relname_relid("field", nsp);
    });
    cache = built;
    return *cache;
}

// ------------------------------------------------------------------ origin

bool session_is_api() {
    if (ApiScope::active()) return true;
    if (!api_roles || !*api_roles) return false;
    return guard([] {
        char *copy = pstrdup(api_roles);
        List *names = NIL;
        bool member = false;
        if (SplitIdentifierString(copy, ',', &names)) {
            ListCell *lc;
            foreach (lc, names) {
                Oid role = get_role_oid(static_cast<char *>(lfirst(lc)), true);
                // Superuser alone does not make the API: a DBA in psql is manual.
                if (OidIsValid(role) && is_member_of_role_nosuper(GetSessionUserId(), role)) {
                    member = true;
                    break;
                }
            }
        }
        list_free(names);
        pfree(copy);
        return member;
    });
}

// ------------------------------------------------------------------ rows

struct LogRow {
    String command_tag;
    std::optional<String> action;
    String object_identity;
    std::optional<core::Uuid> entity_id;
    std::optional<core::Uuid> field_id;
    std::optional<String> old_name;
    std::optional<String> new_name;
    String object;  // for messages and the notification
    std::optional<String> field_column;
};

// Runs a set-returning event trigger function (pg_event_trigger_ddl_commands,
// pg_event_trigger_dropped_objects) directly, without SPI, and calls
// visit(slot) for each row.
template <class Visit>
void for_each_srf_row(Oid fn_oid, Visit visit) {
    ExprContext *econtext = CreateStandaloneExprContext();
    FmgrInfo flinfo;
    fmgr_info(fn_oid, &flinfo);
    ReturnSetInfo rsinfo;
    memset(&rsinfo, 0, sizeof rsinfo);
    rsinfo.type = T_ReturnSetInfo;
    rsinfo.econtext = econtext;
    rsinfo.allowedModes = SFRM_Materialize;
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, nullptr,
                             reinterpret_cast<Node *>(&rsinfo));
    (void)FunctionCallInvoke(fcinfo);
    if (rsinfo.setResult) {
        TupleTableSlot *slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
        while (tuplestore_gettupleslot(rsinfo.setResult, true, false, slot)) visit(slot);
        ExecDropSingleTupleTableSlot(slot);
        tuplestore_end(rsinfo.setResult);
    }
    FreeExprContext(econtext, true);
}

String text_at(TupleTableSlot *slot, int att) {
    bool isnull;
    Datum d = slot_getattr(slot, att, &isnull);
    if (isnull) return String();
    char *s = TextDatumGetCString(d);
    String out(s);
    pfree(s);
    return out;
}

// The table a collected object belongs to: the relation itself, or the table
// of an index, constraint, trigger, policy, rule, default or statistics object.
Oid owning_relation(Oid classid, Oid objid) {
    if (classid == RelationRelationId) {
        char kind = get_rel_relkind(objid);
        if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX) {
            HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(objid));
            if (!HeapTupleIsValid(tup)) return InvalidOid;
            Oid rel = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup))->indrelid;
            ReleaseSysCache(tup);
            return rel;
        }
        return objid;
    }
    if (classid == ConstraintRelationId) {
        HeapTuple tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(objid));
        if (!HeapTupleIsValid(tup)) return InvalidOid;
        Oid rel = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tup))->conrelid;
        ReleaseSysCache(tup);
        return rel;
    }
    if (classid == StatisticExtRelationId) {
        HeapTuple tup = SearchSysCache1(STATEXTOID, ObjectIdGetDatum(objid));
        if (!HeapTupleIsValid(tup)) return InvalidOid;
        Oid rel = reinterpret_cast<Form_pg_statistic_ext>(GETSTRUCT(tup))->stxrelid;
        ReleaseSysCache(tup);
        return rel;
    }
    // Triggers, policies, rules and defaults: look the row up by oid.
    struct Lookup {
        Oid catalog, index;
        AttrNumber oid_att, rel_att;
    };
    static const Lookup lookups[] = {
        {TriggerRelationId, TriggerOidIndexId, Anum_pg_trigger_oid, Anum_pg_trigger_tgrelid},
        {PolicyRelationId, PolicyOidIndexId, Anum_pg_policy_oid, Anum_pg_policy_polrelid},
        {RewriteRelationId, RewriteOidIndexId, Anum_pg_rewrite_oid, Anum_pg_rewrite_ev_class},
        {AttrDefaultRelationId, AttrDefaultOidIndexId, Anum_pg_attrdef_oid,
         Anum_pg_attrdef_adrelid},
    };
    for (const Lookup &l : lookups) {
        if (classid != l.catalog) continue;
        Relation rel = table_open(l.catalog, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, l.oid_att, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objid));
        SysScanDesc sd = systable_beginscan(rel, l.index, true, nullptr, 1, &key);
        HeapTuple tup = systable_getnext(sd);
        Oid owner = InvalidOid;
        if (HeapTupleIsValid(tup)) {
            bool isnull;
            owner = DatumGetObjectId(heap_getattr(tup, l.rel_att, RelationGetDescr(rel), &isnull));
        }
        systable_endscan(sd);
        table_close(rel, AccessShareLock);
        return owner;
    }
    return InvalidOid;
}

const char *alter_table_action(AlterTableType t) {
    switch (t) {
        case AT_AddColumn:
        case AT_AddColumnRecurse:
            return "add column";
        case AT_DropColumn:
        case AT_DropColumnRecurse:
            return "drop column";
        case AT_AlterColumnType:
            return "alter column type";
        case AT_SetNotNull:
        case AT_CheckNotNull:
            return "set not null";
        case AT_DropNotNull:
            return "drop not null";
        case AT_ColumnDefault:
        case AT_CookedColumnDefault:
            return "set default";
        case AT_AddConstraint:
        case AT_AddConstraintRecurse:
        case AT_ReAddConstraint:
            return "add constraint";
        case AT_DropConstraint:
        case AT_DropConstraintRecurse:
            return "drop constraint";
        case AT_ValidateConstraint:
        case AT_ValidateConstraintRecurse:
            return "validate constraint";
        case AT_AddIndex:
        case AT_ReAddIndex:
        case AT_AddIndexConstraint:
            return "add index";
        case AT_SetStatistics:
            return "set statistics";
        case AT_SetStorage:
            return "set storage";
        case AT_SetCompression:
            return "set compression";
        case AT_AddIdentity:
            return "add identity";
        case AT_DropIdentity:
            return "drop identity";
        case AT_SetIdentity:
            return "set identity";
        case AT_DropExpression:
            return "drop expression";
        case AT_ChangeOwner:
            return "owner to";
        case AT_EnableTrig:
        case AT_EnableAlwaysTrig:
        case AT_EnableReplicaTrig:
        case AT_EnableTrigAll:
        case AT_EnableTrigUser:
            return "enable trigger";
        case AT_DisableTrig:
        case AT_DisableTrigAll:
        case AT_DisableTrigUser:
            return "disable trigger";
        case AT_EnableRowSecurity:
            return "enable row security";
        case AT_DisableRowSecurity:
            return "disable row security";
        case AT_AttachPartition:
            return "attach partition";
        case AT_DetachPartition:
            return "detach partition";
        case AT_SetTableSpace:
            return "set tablespace";
        case AT_SetLogged:
            return "set logged";
        case AT_SetUnLogged:
            return "set unlogged";
        default:
            return "alter table";
    }
}

// Column a sub-command touches, if any.
const char *subcommand_column(const AlterTableCmd *cmd) {
    if (cmd->subtype == AT_AddColumn || cmd->subtype == AT_AddColumnRecurse) {
        const auto *def = reinterpret_cast<const ColumnDef *>(cmd->def);
        return def ? def->colname : nullptr;
    }
    switch (cmd->subtype) {
        case AT_AlterColumnType:
        case AT_SetNotNull:
        case AT_CheckNotNull:
        case AT_DropNotNull:
        case AT_ColumnDefault:
        case AT_CookedColumnDefault:
        case AT_SetStatistics:
        case AT_SetStorage:
        case AT_SetCompression:
        case AT_AddIdentity:
        case AT_DropIdentity:
        case AT_SetIdentity:
        case AT_DropExpression:
        case AT_DropColumn:
        case AT_DropColumnRecurse:
            return cmd->name;
        default:
            return nullptr;
    }
}

String qualified(const String &schema, const String &table) {
    return quote_ident(schema.c_str()) + "." + quote_ident(table.c_str());
}

struct Target {
    const ManagedTable *table = nullptr;  // null: another relation in a managed schema
    String schema;
    String name;
};

// Whether a relation is managed: an entity's table, or any relation in a
// managed schema. Resolved by name through the syscache: no SPI.
std::optional<Target> managed_target(const ManagedCache &c, Oid relid,
                                     const char *name_override = nullptr) {
    Oid nsp = get_rel_namespace(relid);
    if (!OidIsValid(nsp)) return std::nullopt;
    char *nspname = get_namespace_name(nsp);
    if (!nspname) return std::nullopt;
    String schema(nspname);
    pfree(nspname);
    if (c.schemas.find(schema) == c.schemas.end()) return std::nullopt;
    Target t;
    t.schema = std::move(schema);
    if (name_override) {
        t.name = name_override;
    } else {
        char *relname = get_rel_name(relid);
        if (!relname) return std::nullopt;
        t.name = relname;
        pfree(relname);
    }
    auto it = c.tables.find(table_key(t.schema, t.name));
    if (it != c.tables.end()) t.table = &it->second;
    return t;
}

void attach_field(LogRow &row, const Target &t, const char *column) {
    row.object = qualified(t.schema, t.name);
    if (t.table) row.entity_id = t.table->entity_id;
    if (!column) return;
    row.object += ".";
    row.object += quote_ident(column);
    row.field_column = String(column);
    if (!t.table) return;
    auto f = t.table->field_by_column.find(String(column));
    if (f != t.table->field_by_column.end()) row.field_id = f->second;
}

// ------------------------------------------------------------------ writing

core::Uuid random_uuid() {
    core::Uuid id;
    if (!pg_strong_random(id.bytes.data(), id.bytes.size()))
        ereport(ERROR,
                (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random values")));
    id.bytes[6] = static_cast<unsigned char>((id.bytes[6] & 0x0F) | 0x40);  // version 4
    id.bytes[8] = static_cast<unsigned char>((id.bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return id;
}

Datum name_datum(const char *s) {
    return DirectFunctionCall1(namein, CStringGetDatum(s));
}
Datum text_datum(const String &s) {
    return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

// One column of the log, located by name so the code follows the table.
struct LogColumns {
    AttrNumber id, database_name, occurred_at, origin, command_tag, action, object_identity,
        entity_id, field_id, old_name, new_name, session_user_name, current_user_name,
        application_name, client_addr, backend_pid, transaction_id, query;
};

AttrNumber column_of(TupleDesc desc, const char *name) {
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0) return a->attnum;
    }
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of selegic.drift_log does not exist", name)));
    return InvalidAttrNumber;
}

Datum client_addr(bool *isnull) {
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
    Datum d = inet_client_addr(fcinfo);
    *isnull = fcinfo->isnull;
    return d;
}

// Inserts the rows straight into the heap and its indexes (as the catalogs
// are written): no SPI, no planner, and no permission check, since ordinary
// roles have none on the log. The table has plain indexes only.
void write_rows(const core::Vector<LogRow> &rows, bool manual, core::Vector<core::Uuid> &ids) {
    Oid nsp = get_namespace_oid("selegic", false);
    Oid relid = get_relname_relid("drift_log", nsp);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation \"selegic.drift_log\" does not exist")));
    Relation rel = table_open(relid, RowExclusiveLock);
    TupleDesc desc = RelationGetDescr(rel);
    LogColumns c{column_of(desc, "id"),
                 column_of(desc, "database_name"),
                 column_of(desc, "occurred_at"),
                 column_of(desc, "origin"),
                 column_of(desc, "command_tag"),
                 column_of(desc, "action"),
                 column_of(desc, "object_identity"),
                 column_of(desc, "entity_id"),
                 column_of(desc, "field_id"),
                 column_of(desc, "old_name"),
                 column_of(desc, "new_name"),
                 column_of(desc, "session_user_name"),
                 column_of(desc, "current_user_name"),
                 column_of(desc, "application_name"),
                 column_of(desc, "client_addr"),
                 column_of(desc, "backend_pid"),
                 column_of(desc, "transaction_id"),
                 column_of(desc, "query")};

    char *dbname = get_database_name(MyDatabaseId);
    char *session_user = GetUserNameFromId(GetSessionUserId(), false);
    // The user before any SECURITY DEFINER switch, ours included.
    char *current_user = GetUserNameFromId(GetOuterUserId(), false);
    TimestampTz now = GetCurrentTimestamp();
    bool addr_null;
    Datum addr = client_addr(&addr_null);
    Datum xid = FullTransactionIdGetDatum(GetTopFullTransactionId());

    for (const LogRow &row : rows) {
        Datum *values = static_cast<Datum *>(palloc0(sizeof(Datum) * desc->natts));
        bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
        memset(nulls, true, sizeof(bool) * desc->natts);
        auto set = [&](AttrNumber a, Datum d) {
            values[a - 1] = d;
            nulls[a - 1] = false;
        };
        core::Uuid id = random_uuid();
        ids.push_back(id);
        set(c.id, uuid_datum(id));
        set(c.database_name, name_datum(dbname));
        set(c.occurred_at, TimestampTzGetDatum(now));
        set(c.origin, text_datum(String(manual ? "manual" : "api")));
        set(c.command_tag, text_datum(row.command_tag));
        if (row.action) set(c.action, text_datum(*row.action));
        set(c.object_identity, text_datum(row.object_identity));
        if (row.entity_id) set(c.entity_id, uuid_datum(*row.entity_id));
        if (row.field_id) set(c.field_id, uuid_datum(*row.field_id));
        if (row.old_name) set(c.old_name, name_datum(row.old_name->c_str()));
        if (row.new_name) set(c.new_name, name_datum(row.new_name->c_str()));
        set(c.session_user_name, name_datum(session_user));
        set(c.current_user_name, name_datum(current_user));
        if (application_name && *application_name)
            set(c.application_name, CStringGetTextDatum(application_name));
        if (!addr_null) set(c.client_addr, addr);
        set(c.backend_pid, Int32GetDatum(MyProcPid));
        set(c.transaction_id, xid);
        if (debug_query_string) set(c.query, CStringGetTextDatum(debug_query_string));
        HeapTuple tup = heap_form_tuple(desc, values, nulls);
        CatalogTupleInsert(rel, tup);
        heap_freetuple(tup);
        // Every backend's cache maps renamed columns to fields: refresh them.
        // Every backend's cache maps renamed field columns to their fields:
        // only the rename of a field's column needs them refreshed.
        if (row.field_id && row.action && *row.action == "rename column" && cache)
            CacheInvalidateRelcacheByRelid(cache->field_relid);
    }
    table_close(rel, RowExclusiveLock);
}

// NOTIFY selegic_drift '{"id": ..., "action": ..., ...}' for each manual row.
void notify_rows(const core::Vector<LogRow> &rows, const core::Vector<core::Uuid> &ids) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const LogRow &row = rows[i];
        StringInfoData buf;
        initStringInfo(&buf);
        auto field = [&](const char *key, const char *value, bool first = false) {
            if (!first) appendStringInfoString(&buf, ", ");
            escape_json(&buf, key);
            appendStringInfoString(&buf, ": ");
            if (value)
                escape_json(&buf, value);
            else
                appendStringInfoString(&buf, "null");
        };
        appendStringInfoChar(&buf, '{');
        field("id", ids[i].to_string().c_str(), true);
        field("action", row.action ? row.action->c_str() : nullptr);
        field("command_tag", row.command_tag.c_str());
        field("object", row.object.c_str());
        field("entity_id", row.entity_id ? row.entity_id->to_string().c_str() : nullptr);
        field("field_id", row.field_id ? row.field_id->to_string().c_str() : nullptr);
        field("old_name", row.old_name ? row.old_name->c_str() : nullptr);
        field("new_name", row.new_name ? row.new_name->c_str() : nullptr);
        field("origin", "manual");
        appendStringInfoChar(&buf, '}');
        Async_Notify("selegic_drift", buf.data);
        pfree(buf.data);
    }
}

// ------------------------------------------------------------------ policy

struct Outcome {
    bool block = false;
    String blocked_object;
};

// Writes the rows and applies selegic.manual_ddl. Runs inside the capture's
// subtransaction.
Outcome record(const core::Vector<LogRow> &rows, bool manual) {
    Outcome out;
    if (rows.empty()) return out;
    if (manual && manual_ddl == static_cast<int>(ManualDdl::Block)) {
        out.block = true;
        out.blocked_object = rows.front().object;
        return out;
    }
    core::Vector<core::Uuid> ids;
    guard([&] { write_rows(rows, manual, ids); });
    if (!manual) return out;
    guard([&] { notify_rows(rows, ids); });
    if (manual_ddl == static_cast<int>(ManualDdl::Warn)) {
        for (const LogRow &row : rows) {
            std::string entity = row.entity_id ? row.entity_id->to_string().c_str() : "none";
            std::string field = row.field_id ? row.field_id->to_string().c_str() : "none";
            guard([&] {
                ereport(WARNING,
                        (errcode(ERRCODE_WARNING),
                         errmsg("manual DDL on managed object %s", row.object.c_str()),
                         errdetail("%s%s%s on entity %s, field %s was made outside the Selegic API "
                                   "and is recorded in selegic.drift_log.",
                                   row.command_tag.c_str(), row.action ? ": " : "",
                                   row.action ? row.action->c_str() : "", entity.c_str(),
                                   field.c_str())));
            });
        }
    }
    return out;
}

[[noreturn]] void raise_blocked(const Outcome &o, const char *command_tag) {
    throw core::Error(
        "42501",
        std::string("manual DDL on managed object ") + o.blocked_object.c_str() + " is blocked",
        std::string(command_tag) +
            " was refused because selegic.manual_ddl is 'block'; the statement "
            "was rolled back.",
        "Change the schema through the Selegic API (or selegic_api_execute()), "
        "or repair drift with selegic_resync().");
}

// Runs a capture in a subtransaction so that a failure in it cannot abort the
// user's DDL: it becomes a WARNING. Only block mode raises.
template <class F>
void run_capture(const char *command_tag, F capture) {
    Outcome outcome;
    try {
        outcome = in_subtransaction(capture);
    } catch (const PgError &e) {
        std::string message = e.what();
        FreeErrorData(e.data());
        guard([&] {
            ereport(WARNING, (errcode(ERRCODE_WARNING),
                              errmsg("selegic_drift could not record DDL: %s", message.c_str()),
                              errdetail("The DDL itself went ahead.")));
        });
        return;
    } catch (const std::exception &e) {
        std::string message = e.what();
        guard([&] {
            ereport(WARNING, (errcode(ERRCODE_WARNING),
                              errmsg("selegic_drift could not record DDL: %s", message.c_str()),
                              errdetail("The DDL itself went ahead.")));
        });
        return;
    }
    if (outcome.block) raise_blocked(outcome, command_tag);
}

// The frame every event shares: who is acting, the cache, the rows collected
// by collect(cache, command tag, rows), and what selegic.manual_ddl makes of
// them. Only the API's DDL without log_api_ddl skips even the cache.
// True when the statement names one relation, and that relation lies
// outside every managed schema: then there is nothing to record, decided
// without a subtransaction or the collected commands. False when that cannot
// be told cheaply (the full capture decides).
bool outside_managed_schemas(const Node *parsetree, const ManagedCache &c) {
    const RangeVar *rv = nullptr;
    if (!parsetree) return false;
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt:
            rv = reinterpret_cast<const AlterTableStmt *>(parsetree)->relation;
            break;
        case T_CreateStmt:
            rv = reinterpret_cast<const CreateStmt *>(parsetree)->relation;
            break;
        case T_IndexStmt:
            rv = reinterpret_cast<const IndexStmt *>(parsetree)->relation;
            break;
        default:
            return false;
    }
    if (!rv) return false;
    Oid nsp = InvalidOid;
    if (rv->schemaname) {
        nsp = get_namespace_oid(rv->schemaname, true);
    } else {
        Oid relid = RangeVarGetRelid(rv, NoLock, true);
        if (OidIsValid(relid)) nsp = get_rel_namespace(relid);
    }
    if (!OidIsValid(nsp)) return false;
    char *name = get_namespace_name(nsp);
    if (!name) return false;
    bool outside = c.schemas.find(String(name)) == c.schemas.end();
    pfree(name);
    return outside;
}

template <class Collect>
void capture_event(EventTriggerData *trigger, Collect collect) {
    bool manual = !session_is_api();
    if (!manual && !log_api_ddl) return;
    // The common case, DDL on a table nobody manages, with a warm cache.
    if (cache && !cache_stale) {
        bool skip = false;
        try {
            skip = guard([&] { return outside_managed_schemas(trigger->parsetree, *cache); });
        } catch (const PgError &e) {
            FreeErrorData(e.data());  // could not tell: the full capture decides
        }
        if (skip) return;
    }
    const char *tag = GetCommandTagName(trigger->tag);
    run_capture(tag, [&]() -> Outcome {
        const ManagedCache &c = managed_cache();
        if (c.schemas.empty()) return Outcome{};
        core::Vector<LogRow> rows;
        guard([&] { collect(c, tag, rows); });
        return record(rows, manual);
    });
}

}  // namespace

// ------------------------------------------------------------------ events

void capture_ddl_command_end(EventTriggerData *trigger) {
    capture_event(trigger, [](const ManagedCache &c, const char *, core::Vector<LogRow> &rows) {
        for_each_srf_row(F_PG_EVENT_TRIGGER_DDL_COMMANDS, [&](TupleTableSlot *slot) {
            bool isnull;
            Oid classid = DatumGetObjectId(slot_getattr(slot, 1, &isnull));
            Oid objid = DatumGetObjectId(slot_getattr(slot, 2, &isnull));
            Datum cmd_datum = slot_getattr(slot, 9, &isnull);
            auto *cmd =
                isnull ? nullptr : reinterpret_cast<CollectedCommand *>(DatumGetPointer(cmd_datum));
            Oid relid = owning_relation(classid, objid);
            if (!OidIsValid(relid)) return;

            // A table renamed by hand: it is managed under its old name.
            const char *old_relname = nullptr;
            const RenameStmt *rename = nullptr;
            if (cmd && cmd->parsetree && IsA(cmd->parsetree, RenameStmt)) {
                rename = reinterpret_cast<const RenameStmt *>(cmd->parsetree);
                if (rename->renameType == OBJECT_TABLE && rename->relation)
                    old_relname = rename->relation->relname;
            }
            auto target = managed_target(c, relid, old_relname);
            if (!target) return;

            LogRow base;
            base.command_tag = text_at(slot, 4);
            base.object_identity = text_at(slot, 7);

            if (cmd && cmd->type == SCT_AlterTable) {
                ListCell *lc;
                foreach (lc, cmd->d.alterTable.subcmds) {
                    auto *sub = static_cast<CollectedATSubcmd *>(lfirst(lc));
                    if (!sub->parsetree || !IsA(sub->parsetree, AlterTableCmd)) continue;
                    auto *at = reinterpret_cast<AlterTableCmd *>(sub->parsetree);
                    // Drops are recorded from sql_drop, with what was dropped.
                    if (at->subtype == AT_DropColumn || at->subtype == AT_DropColumnRecurse ||
                        at->subtype == AT_DropConstraint || at->subtype == AT_DropConstraintRecurse)
                        continue;
                    LogRow row = base;
                    row.action = String(at->subtype == AT_ColumnDefault && !at->def
                                            ? "drop default"
                                            : alter_table_action(at->subtype));
                    attach_field(row, *target, subcommand_column(at));
                    rows.push_back(std::move(row));
                }
                return;
            }
            LogRow row = base;
            if (rename && rename->renameType == OBJECT_COLUMN) {
                row.action = String("rename column");
                row.old_name = String(rename->subname);
                row.new_name = String(rename->newname);
                attach_field(row, *target, rename->subname);
            } else if (rename && rename->renameType == OBJECT_TABLE) {
                row.action = String("rename table");
                row.old_name = target->name;
                row.new_name = String(rename->newname);
                attach_field(row, *target, nullptr);
            } else {
                // COMMENT ON COLUMN and the like name the column by number.
                int32 objsubid = DatumGetInt32(slot_getattr(slot, 3, &isnull));
                char *column = classid == RelationRelationId && objsubid > 0
                                   ? get_attname(objid, static_cast<AttrNumber>(objsubid), true)
                                   : nullptr;
                attach_field(row, *target, column);
            }
            rows.push_back(std::move(row));
        });
    });
}

void capture_sql_drop(EventTriggerData *trigger) {
    capture_event(trigger, [](const ManagedCache &c, const char *tag, core::Vector<LogRow> &rows) {
        for_each_srf_row(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, [&](TupleTableSlot *slot) {
            bool isnull;
            bool original = DatumGetBool(slot_getattr(slot, 4, &isnull));
            String type = text_at(slot, 7);
            String schema = text_at(slot, 8);
            // What the statement named, and the columns it dropped; not the
            // indexes and constraints that went with them.
            if (!original && type != "table column") return;
            // Relations and what hangs on them, as ddl_command_end sees
            // them; a column default is recorded there (set default).
            static constexpr std::string_view kRecorded[] = {
                "table",    "table column",  "table constraint",
                "index",    "view",          "materialized view",
                "sequence", "foreign table", "trigger",
                "policy",   "rule",          "statistics object"};
            if (std::find(std::begin(kRecorded), std::end(kRecorded),
                          std::string_view(type.data(), type.size())) == std::end(kRecorded))
                return;
            if (schema.empty() || c.schemas.find(schema) == c.schemas.end()) return;
            Datum names_datum = slot_getattr(slot, 11, &isnull);
            core::Vector<String> names;
            if (!isnull) {
                Datum *elems;
                bool *elem_nulls;
                int n;
                deconstruct_array(DatumGetArrayTypeP(names_datum), TEXTOID, -1, false, TYPALIGN_INT,
                                  &elems, &elem_nulls, &n);
                for (int i = 0; i < n; ++i) {
                    char *s = elem_nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
                    names.push_back(String(s));
                    pfree(s);
                }
            }
            // address_names: {schema, table} for a table, {schema, table,
            // member} for its columns, constraints, triggers and policies.
            Target target;
            target.schema = schema;
            target.name = names.size() >= 2 ? names[1] : text_at(slot, 9);
            auto it = c.tables.find(table_key(target.schema, target.name));
            if (it != c.tables.end()) target.table = &it->second;

            LogRow row;
            row.command_tag = String(tag);
            // "drop column", "drop constraint", "drop table", "drop index", ...
            String what = type;
            if (what == "table column" || what == "table constraint") what.erase(0, 6);
            row.action = "drop " + what;
            row.object_identity = text_at(slot, 10);
            bool column = type == "table column";
            attach_field(row, target, column && names.size() >= 3 ? names[2].c_str() : nullptr);
            rows.push_back(std::move(row));
        });
    });
}

void capture_table_rewrite(EventTriggerData *trigger) {
    capture_event(trigger, [](const ManagedCache &c, const char *tag, core::Vector<LogRow> &rows) {
        LOCAL_FCINFO(fcinfo, 0);
        InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
        Oid relid = DatumGetObjectId(pg_event_trigger_table_rewrite_oid(fcinfo));
        auto target = managed_target(c, relid);
        if (!target) return;
        LogRow row;
        row.command_tag = String(tag);
        row.action = String("rewrite table");
        ObjectAddress address{RelationRelationId, relid, 0};
        row.object_identity = getObjectIdentity(&address, false);
        attach_field(row, *target, nullptr);
        rows.push_back(std::move(row));
    });
}

void resolve_log_rows(const core::Vector<core::Uuid> &fields,
                      const core::Vector<core::Uuid> &entities, const char *resolution) {
    if (fields.empty() && entities.empty()) return;
    guard([&] {
        auto uuid_array = [](const core::Vector<core::Uuid> &ids) {
            Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (ids.size() + 1)));
            for (std::size_t i = 0; i < ids.size(); ++i) elems[i] = uuid_datum(ids[i]);
            return PointerGetDatum(construct_array(elems, static_cast<int>(ids.size()), UUIDOID,
                                                   UUID_LEN, false, TYPALIGN_CHAR));
        };
        Oid nsp = get_namespace_oid("selegic", false);
        Oid relid = get_relname_relid("drift_log", nsp);
        if (!OidIsValid(relid)) return;
        // The caller may repair but not write the log: update it as its owner,
        // as a SECURITY DEFINER function would.
        Oid owner;
        {
            HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
            if (!HeapTupleIsValid(tup)) return;
            owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relowner;
            ReleaseSysCache(tup);
        }
        Oid saved_user;
        int saved_context;
        GetUserIdAndSecContext(&saved_user, &saved_context);
        SetUserIdAndSecContext(
            owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
        Oid types[3] = {UUIDARRAYOID, UUIDARRAYOID, TEXTOID};
        Datum values[3] = {uuid_array(fields), uuid_array(entities),
                           CStringGetTextDatum(resolution)};
        if (SPI_connect() != SPI_OK_CONNECT)
            ereport(ERROR,
                    (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("SPI_connect failed")));
        int rc = SPI_execute_with_args(
            "UPDATE selegic.drift_log SET resolved_at = pg_catalog.now(), resolution = $3 "
            "WHERE resolved_at IS NULL AND origin = 'manual' AND (field_id = ANY ($1) OR "
            "(field_id IS NULL AND entity_id = ANY ($2)))",
            3, types, values, nullptr, false, 0);
        SPI_finish();
        SetUserIdAndSecContext(saved_user, saved_context);
        if (rc != SPI_OK_UPDATE)
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg_internal("could not resolve drift log rows: SPI code %d", rc)));
    });
}

void register_managed_cache_invalidation() {
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
}

void invalidate_managed_cache() {
    cache_stale = true;
}

}  // namespace selegic::pg
