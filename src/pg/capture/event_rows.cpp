#include "pg/capture/event_rows.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "pg/catalog_lookup.hpp"
#include "pg/compat.hpp"
#include "pg/sql_values.hpp"

extern "C" {
#include "catalog/objectaddress.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_trigger.h"
#include "executor/tuptable.h"
#include "tcop/deparse_utility.h"
#include "utils/array.h"
}

namespace selegic::pg {

using core::String;

namespace {

// Columns of pg_event_trigger_ddl_commands() (the same in PostgreSQL 15 to 18).
namespace ddl_col {
constexpr int classid = 1, objid = 2, objsubid = 3, command_tag = 4, object_identity = 7,
              command = 9;
}
// Columns of pg_event_trigger_dropped_objects().
namespace drop_col {
constexpr int original = 4, object_type = 7, schema_name = 8, object_name = 9, object_identity = 10,
              address_names = 11;
}

// Runs a set-returning event trigger function directly, without SPI, and
// calls visit(slot) for each row.
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

// The relation column rel_att of the row of catalog with oid objid.
Oid relation_of(Oid catalog, Oid index, AttrNumber oid_att, AttrNumber rel_att, Oid objid) {
    Oid owner = InvalidOid;
    visit_row_by_oid(catalog, index, oid_att, objid, [&](HeapTuple tup, TupleDesc desc) {
        bool isnull;
        owner = DatumGetObjectId(heap_getattr(tup, rel_att, desc, &isnull));
    });
    return owner;
}

// The table a collected object belongs to: the relation itself, or the table
// of an index, constraint, trigger, policy, rule, default or statistics object.
Oid owning_relation(Oid classid, Oid objid) {
    if (classid == RelationRelationId) {
        char kind = get_rel_relkind(objid);
        if (kind != RELKIND_INDEX && kind != RELKIND_PARTITIONED_INDEX) return objid;
        HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(objid));
        if (!HeapTupleIsValid(tup)) return InvalidOid;
        Oid rel = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup))->indrelid;
        ReleaseSysCache(tup);
        return rel;
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
    if (classid == TriggerRelationId)
        return relation_of(classid, TriggerOidIndexId, Anum_pg_trigger_oid, Anum_pg_trigger_tgrelid,
                           objid);
    if (classid == PolicyRelationId)
        return relation_of(classid, PolicyOidIndexId, Anum_pg_policy_oid, Anum_pg_policy_polrelid,
                           objid);
    if (classid == RewriteRelationId)
        return relation_of(classid, RewriteOidIndexId, Anum_pg_rewrite_oid,
                           Anum_pg_rewrite_ev_class, objid);
    if (classid == AttrDefaultRelationId)
        return relation_of(classid, AttrDefaultOidIndexId, Anum_pg_attrdef_oid,
                           Anum_pg_attrdef_adrelid, objid);
    return InvalidOid;
}

const char *alter_table_action(const AlterTableCmd *cmd) {
    switch (compat::base_subtype(cmd->subtype)) {
        case AT_AddColumn:
            return "add column";
        case AT_DropColumn:
            return "drop column";
        case AT_AlterColumnType:
            return "alter column type";
        case AT_SetNotNull:
#if SELEGIC_HAS_AT_CHECK_NOT_NULL
        case AT_CheckNotNull:
#endif
            return "set not null";
        case AT_DropNotNull:
            return "drop not null";
        case AT_ColumnDefault:
            return cmd->def ? "set default" : "drop default";
        case AT_CookedColumnDefault:
            return "set default";
        case AT_AddConstraint:
        case AT_ReAddConstraint:
            return "add constraint";
        case AT_DropConstraint:
            return "drop constraint";
        case AT_ValidateConstraint:
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
#if SELEGIC_HAS_AT_SET_EXPRESSION
        case AT_SetExpression:
            return "set expression";
#endif
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

// The column a sub-command touches, if any.
const char *subcommand_column(const AlterTableCmd *cmd) {
    switch (compat::base_subtype(cmd->subtype)) {
        case AT_AddColumn: {
            const auto *def = reinterpret_cast<const ColumnDef *>(cmd->def);
            return def ? def->colname : nullptr;
        }
        case AT_AlterColumnType:
        case AT_SetNotNull:
#if SELEGIC_HAS_AT_CHECK_NOT_NULL
        case AT_CheckNotNull:
#endif
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
#if SELEGIC_HAS_AT_SET_EXPRESSION
        case AT_SetExpression:
#endif
        case AT_DropColumn:
            return cmd->name;
        default:
            return nullptr;
    }
}

// Drops are recorded from sql_drop, with what was dropped.
bool recorded_at_sql_drop(const AlterTableCmd *cmd) {
    AlterTableType t = compat::base_subtype(cmd->subtype);
    return t == AT_DropColumn || t == AT_DropConstraint;
}

void attach(LogRow &row, const Target &t, const char *column) {
    row.object = quote_ident(t.schema) + "." + quote_ident(t.name);
    if (t.table) row.entity_id = t.table->entity_id;
    if (!column) return;
    row.object += ".";
    row.object += quote_ident(column);
    if (t.table) row.field_id = t.table->field(column);
}

}  // namespace

bool plainly_unmanaged(const Node *parsetree, const ManagedCache &cache) {
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
    if (!rv || !rv->relname) return false;
    if (rv->schemaname) {
        Oid nsp = get_namespace_oid(rv->schemaname, true);
        return OidIsValid(nsp) && !cache.schema_is_managed(nsp);
    }
    // An unqualified name is not resolved again here: the search_path may
    // have changed since the statement resolved it (a function it ran can
    // set it). It is plainly unmanaged only if no managed schema holds a
    // relation of that name at all.
    for (const auto &[nsp, name] : cache.namespaces())
        if (OidIsValid(get_relname_relid(rv->relname, nsp))) return false;
    return true;
}

void collect_ddl_command_end(const ManagedCache &cache, core::Vector<LogRow> &rows) {
    for_each_srf_row(F_PG_EVENT_TRIGGER_DDL_COMMANDS, [&](TupleTableSlot *slot) {
        bool isnull;
        Oid classid = DatumGetObjectId(slot_getattr(slot, ddl_col::classid, &isnull));
        Oid objid = DatumGetObjectId(slot_getattr(slot, ddl_col::objid, &isnull));
        Datum cmd_datum = slot_getattr(slot, ddl_col::command, &isnull);
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
        auto target = cache.target(relid, old_relname);
        if (!target) return;

        LogRow base;
        base.command_tag = text_at(slot, ddl_col::command_tag);
        base.object_identity = text_at(slot, ddl_col::object_identity);

        if (cmd && cmd->type == SCT_AlterTable) {
            ListCell *lc;
            foreach (lc, cmd->d.alterTable.subcmds) {
                auto *sub = static_cast<CollectedATSubcmd *>(lfirst(lc));
                if (!sub->parsetree || !IsA(sub->parsetree, AlterTableCmd)) continue;
                auto *at = reinterpret_cast<AlterTableCmd *>(sub->parsetree);
                if (recorded_at_sql_drop(at)) continue;
                LogRow row = base;
                row.action = String(alter_table_action(at));
                attach(row, *target, subcommand_column(at));
                rows.push_back(std::move(row));
            }
            return;
        }
        LogRow row = base;
        if (rename && rename->renameType == OBJECT_COLUMN) {
            row.action = String("rename column");
            row.old_name = String(rename->subname);
            row.new_name = String(rename->newname);
            attach(row, *target, rename->subname);
        } else if (rename && rename->renameType == OBJECT_TABLE) {
            row.action = String("rename table");
            row.old_name = target->name;
            row.new_name = String(rename->newname);
            attach(row, *target, nullptr);
        } else {
            // COMMENT ON COLUMN and the like name the column by number.
            int32 objsubid = DatumGetInt32(slot_getattr(slot, ddl_col::objsubid, &isnull));
            char *column = classid == RelationRelationId && objsubid > 0
                               ? get_attname(objid, static_cast<AttrNumber>(objsubid), true)
                               : nullptr;
            attach(row, *target, column);
        }
        rows.push_back(std::move(row));
    });
}

void collect_sql_drop(const ManagedCache &cache, const char *command_tag,
                      core::Vector<LogRow> &rows) {
    for_each_srf_row(F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, [&](TupleTableSlot *slot) {
        bool isnull;
        bool original = DatumGetBool(slot_getattr(slot, drop_col::original, &isnull));
        String type = text_at(slot, drop_col::object_type);
        String schema = text_at(slot, drop_col::schema_name);
        // What the statement named, and the columns it dropped; not the
        // indexes and constraints that went with them.
        if (!original && type != "table column") return;
        // Relations and what hangs on them, as ddl_command_end sees them; a
        // column default is recorded there (drop default).
        static constexpr std::string_view kRecorded[] = {
            "table",    "table column",  "table constraint", "index",  "view", "materialized view",
            "sequence", "foreign table", "trigger",          "policy", "rule", "statistics object"};
        if (std::find(std::begin(kRecorded), std::end(kRecorded),
                      std::string_view(type.data(), type.size())) == std::end(kRecorded))
            return;
        if (schema.empty()) return;
        Oid nsp = get_namespace_oid(schema.c_str(), true);
        if (!OidIsValid(nsp) || !cache.schema_is_managed(nsp)) return;
        core::Vector<String> names;
        Datum names_datum = slot_getattr(slot, drop_col::address_names, &isnull);
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
        target.name = names.size() >= 2 ? names[1] : text_at(slot, drop_col::object_name);
        target.table = cache.index().table(target.schema, target.name);

        LogRow row;
        row.command_tag = String(command_tag);
        // "drop column", "drop constraint", "drop table", "drop index", ...
        String what = type;
        if (what == "table column" || what == "table constraint") what.erase(0, 6);
        row.action = "drop " + what;
        row.object_identity = text_at(slot, drop_col::object_identity);
        bool column = type == "table column";
        attach(row, target, column && names.size() >= 3 ? names[2].c_str() : nullptr);
        rows.push_back(std::move(row));
    });
}

Oid rewritten_relation() {
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
    return DatumGetObjectId(pg_event_trigger_table_rewrite_oid(fcinfo));
}

bool only_drops(const Node *parsetree) {
    if (!parsetree || !IsA(parsetree, AlterTableStmt)) return false;
    const List *cmds = reinterpret_cast<const AlterTableStmt *>(parsetree)->cmds;
    if (cmds == NIL) return false;
    const ListCell *lc;
    foreach (lc, cmds) {
        const auto *cmd = static_cast<const AlterTableCmd *>(lfirst(lc));
        if (!IsA(cmd, AlterTableCmd) || !recorded_at_sql_drop(cmd)) return false;
    }
    return true;
}

void collect_table_rewrite(const ManagedCache &cache, const char *command_tag,
                           core::Vector<LogRow> &rows) {
    collect_rewrite(cache, rewritten_relation(), command_tag, rows);
}

void collect_rewrite(const ManagedCache &cache, Oid relid, const char *command_tag,
                     core::Vector<LogRow> &rows) {
    auto target = cache.target(relid);
    if (!target) return;
    LogRow row;
    row.command_tag = String(command_tag);
    row.action = String("rewrite table");
    ObjectAddress address{RelationRelationId, relid, 0};
    row.object_identity = getObjectIdentity(&address, false);
    attach(row, *target, nullptr);
    rows.push_back(std::move(row));
}

}  // namespace selegic::pg
