#include "pg/capture/log_writer.hpp"

#include <cstring>

#include "pg/catalog_lookup.hpp"
#include "pg/compat.hpp"
#include "pg/fold.hpp"
#include "pg/guard.hpp"
#include "pg/sql_values.hpp"
#include "pg/user_code.hpp"

extern "C" {
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "optimizer/optimizer.h"
#include "utils/guc.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/inet.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"
}

namespace selegic::pg {

using core::String;

namespace {

Oid drift_log_relid() {
    Oid nsp = get_namespace_oid("selegic", false);
    Oid relid = get_relname_relid("drift_log", nsp);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation \"selegic.drift_log\" does not exist")));
    return relid;
}

// Log ids come from the strong random source like gen_random_uuid()'s, read
// a few hundred ids at a time: one call per row was a sixth of the capture's
// cost. The buffer belongs to one process (a fork starts over).
constexpr std::size_t kRandomIds = 256;
unsigned char random_pool[kRandomIds * 16];
std::size_t random_used = kRandomIds * 16;
int random_pid = 0;

core::Uuid random_uuid() {
    core::Uuid id;
    if (random_pid != MyProcPid || random_used + id.bytes.size() > sizeof(random_pool)) {
        random_used = sizeof(random_pool);
        if (!pg_strong_random(random_pool, sizeof(random_pool)))
            ereport(ERROR,
                    (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random values")));
        random_pid = MyProcPid;
        random_used = 0;
    }
    std::memcpy(id.bytes.data(), random_pool + random_used, id.bytes.size());
    // Each id is handed out once.
    std::memset(random_pool + random_used, 0, id.bytes.size());
    random_used += id.bytes.size();
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

// The log's columns, located by name so the writer follows the table's shape.
struct LogColumns {
    AttrNumber id, database_name, occurred_at, origin, command_tag, action, object_identity,
        entity_id, field_id, old_name, new_name, session_user_name, current_user_name,
        application_name, client_addr, backend_pid, transaction_id, query;
    explicit LogColumns(TupleDesc desc)
        : id(find(desc, "id")),
          database_name(find(desc, "database_name")),
          occurred_at(find(desc, "occurred_at")),
          origin(find(desc, "origin")),
          command_tag(find(desc, "command_tag")),
          action(find(desc, "action")),
          object_identity(find(desc, "object_identity")),
          entity_id(find(desc, "entity_id")),
          field_id(find(desc, "field_id")),
          old_name(find(desc, "old_name")),
          new_name(find(desc, "new_name")),
          session_user_name(find(desc, "session_user_name")),
          current_user_name(find(desc, "current_user_name")),
          application_name(find(desc, "application_name")),
          client_addr(find(desc, "client_addr")),
          backend_pid(find(desc, "backend_pid")),
          transaction_id(find(desc, "transaction_id")),
          query(find(desc, "query")) {}

    static AttrNumber find(TupleDesc desc, const char *name) {
        return column_by_name(desc, name, "selegic.drift_log");
    }
};

Datum client_addr(bool *isnull) {
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
    Datum d = inet_client_addr(fcinfo);
    *isnull = fcinfo->isnull;
    return d;
}

// What the statement's rows share: who, from where, when, in which transaction.
struct Session {
    char *dbname, *session_user, *current_user;
    TimestampTz statement_start;
    bool addr_null;
    Datum addr;
    Datum xid;
    Session() {
        dbname = get_database_name(MyDatabaseId);
        session_user = GetUserNameFromId(GetSessionUserId(), false);
        // The user before any SECURITY DEFINER switch, ours included.
        current_user = GetUserNameFromId(GetOuterUserId(), false);
        // Every row of one statement carries its start: a repair resolves the
        // rows of a statement together.
        statement_start = GetCurrentStatementStartTimestamp();
        addr = client_addr(&addr_null);
        xid = FullTransactionIdGetDatum(GetTopFullTransactionId());
    }
};

void fill(TupleTableSlot *slot, const LogColumns &c, const Session &s, const LogRow &row,
          bool manual, const core::Uuid &id) {
    Datum *values = slot->tts_values;
    bool *nulls = slot->tts_isnull;
    auto set = [&](AttrNumber a, Datum d) {
        values[a - 1] = d;
        nulls[a - 1] = false;
    };
    set(c.id, uuid_datum(id));
    set(c.database_name, name_datum(s.dbname));
    set(c.occurred_at, TimestampTzGetDatum(s.statement_start));
    set(c.origin, text_datum(String(manual ? "manual" : "api")));
    set(c.command_tag, text_datum(row.command_tag));
    if (row.action) set(c.action, text_datum(*row.action));
    set(c.object_identity, text_datum(row.object_identity));
    if (row.entity_id) set(c.entity_id, uuid_datum(*row.entity_id));
    if (row.field_id) set(c.field_id, uuid_datum(*row.field_id));
    if (row.old_name) set(c.old_name, name_datum(row.old_name->c_str()));
    if (row.new_name) set(c.new_name, name_datum(row.new_name->c_str()));
    set(c.session_user_name, name_datum(s.session_user));
    set(c.current_user_name, name_datum(s.current_user));
    if (application_name && *application_name)
        set(c.application_name, CStringGetTextDatum(application_name));
    if (!s.addr_null) set(c.client_addr, s.addr);
    set(c.backend_pid, Int32GetDatum(MyProcPid));
    set(c.transaction_id, s.xid);
    if (debug_query_string) set(c.query, CStringGetTextDatum(debug_query_string));
}

// What an INSERT parses from the catalog's text every time: the log's CHECK
// expressions and column defaults. They are parsed once per backend and used
// while the relcache entry still carries the same text (compared, not
// trusted: no invalidation callback to miss), and compiled once per
// statement, as an INSERT compiles them once per query.
struct ParsedCheck {
    char *ccbin;
    Node *expr;
    Expr *planned;  // when it calls built-ins only; see planned_once()
};
struct ParsedColumn {
    Oid atttypid;
    int32 atttypmod;
    char attidentity;
    bool skip;    // dropped or generated: the executor's business
    bool live;    // identity or domain-typed: build the default every time
    char *adbin;  // the column's own default text, if any
    Node *expr;   // the default (own or the type's), coerced; nullptr: none
    Expr *planned;
};
struct LogExprs {
    MemoryContext cxt = nullptr;
    bool valid = false;
    Oid relid = InvalidOid;
    int ncheck = 0;
    ParsedCheck *checks = nullptr;
    int natts = 0;
    ParsedColumn *columns = nullptr;
};
LogExprs log_exprs;

const char *default_text(TupleConstr *constr, AttrNumber attnum) {
    if (!constr) return nullptr;
    for (int i = 0; i < constr->num_defval; ++i)
        if (constr->defval[i].adnum == attnum) return constr->defval[i].adbin;
    return nullptr;
}

bool same_text(const char *a, const char *b) {
    return a == b || (a && b && std::strcmp(a, b) == 0);
}

// Planning a tree of built-ins gives the same tree every time; a user
// function may be inlined and then replaced, so such a tree is planned per
// statement, as INSERT would.
Expr *planned_once(Node *expr) {
    if (!expr || calls_user_code(expr)) return nullptr;
    return expression_planner(static_cast<Expr *>(copyObjectImpl(expr)));
}

ExprState *compile(Node *expr, Expr *planned, EState *estate) {
    if (!planned) return ExecPrepareExpr(reinterpret_cast<Expr *>(expr), estate);
    MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);
    ExprState *state = ExecInitExpr(planned, nullptr);
    MemoryContextSwitchTo(old);
    return state;
}

bool log_exprs_current(Relation rel) {
    const LogExprs &e = log_exprs;
    TupleDesc desc = RelationGetDescr(rel);
    TupleConstr *constr = desc->constr;
    int ncheck = constr ? constr->num_check : 0;
    if (!e.valid || e.relid != RelationGetRelid(rel) || e.natts != desc->natts ||
        e.ncheck != ncheck)
        return false;
    for (int i = 0; i < ncheck; ++i)
        if (!same_text(e.checks[i].ccbin, constr->check[i].ccbin)) return false;
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        const ParsedColumn &c = e.columns[i];
        if (c.atttypid != a->atttypid || c.atttypmod != a->atttypmod ||
            c.skip != (a->attisdropped || a->attgenerated) || c.attidentity != a->attidentity ||
            !same_text(c.adbin, default_text(constr, static_cast<AttrNumber>(i + 1))))
            return false;
    }
    return true;
}

void parse_log_exprs(Relation rel) {
    LogExprs &e = log_exprs;
    e.valid = false;
    if (!e.cxt)
        e.cxt = AllocSetContextCreate(CacheMemoryContext, "selegic drift_log expressions",
                                      ALLOCSET_SMALL_SIZES);
    else
        MemoryContextReset(e.cxt);
    MemoryContext old = MemoryContextSwitchTo(e.cxt);
    TupleDesc desc = RelationGetDescr(rel);
    TupleConstr *constr = desc->constr;
    e.relid = RelationGetRelid(rel);
    e.ncheck = constr ? constr->num_check : 0;
    e.checks = static_cast<ParsedCheck *>(palloc0(sizeof(ParsedCheck) * (e.ncheck + 1)));
    for (int i = 0; i < e.ncheck; ++i) {
        e.checks[i].ccbin = pstrdup(constr->check[i].ccbin);
        e.checks[i].expr = static_cast<Node *>(stringToNode(constr->check[i].ccbin));
        e.checks[i].planned = planned_once(e.checks[i].expr);
    }
    e.natts = desc->natts;
    e.columns = static_cast<ParsedColumn *>(palloc0(sizeof(ParsedColumn) * (e.natts + 1)));
    for (int i = 0; i < e.natts; ++i) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        ParsedColumn &c = e.columns[i];
        c.atttypid = a->atttypid;
        c.atttypmod = a->atttypmod;
        c.attidentity = a->attidentity;
        c.skip = a->attisdropped || a->attgenerated;
        // A domain's default and an identity's sequence change without a
        // change to the log's own definition.
        c.live = a->attidentity != '\0' || (!c.skip && get_typtype(a->atttypid) == TYPTYPE_DOMAIN);
        const char *text = default_text(constr, static_cast<AttrNumber>(i + 1));
        c.adbin = text ? pstrdup(text) : nullptr;
        if (!c.skip && !c.live) {
            c.expr = build_column_default(rel, i + 1);
            c.planned = planned_once(c.expr);
        }
    }
    MemoryContextSwitchTo(old);
    e.valid = true;
}

// Per statement: the compiled CHECK expressions handed to the executor, which
// would otherwise parse them again (ExecRelCheck builds them when absent), and
// the column defaults compiled on first use.
struct StatementExprs {
    ExprState **defaults;
};

StatementExprs prepare_statement_exprs(Relation rel, ResultRelInfo *rri, EState *estate) {
    if (!log_exprs_current(rel)) parse_log_exprs(rel);
    const LogExprs &e = log_exprs;
    MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);
#if PG_VERSION_NUM < 180000
    // 18 renamed the field and skips NOT ENFORCED checks: it parses its own.
    if (e.ncheck > 0) {
        auto **states = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * e.ncheck));
        for (int i = 0; i < e.ncheck; ++i)
            states[i] = compile(e.checks[i].expr, e.checks[i].planned, estate);
        rri->ri_ConstraintExprs = states;
    }
#else
    (void)rri;
#endif
    StatementExprs s;
    s.defaults = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * (e.natts + 1)));
    MemoryContextSwitchTo(old);
    return s;
}

// The defaults of the columns the capture does not set (a DBA may add some),
// evaluated as INSERT would.
void fill_defaults(Relation rel, EState *estate, StatementExprs &prepared, TupleTableSlot *slot,
                   const bool *set_by_us) {
    const LogExprs &e = log_exprs;
    ExprContext *econtext = GetPerTupleExprContext(estate);
    for (int i = 0; i < e.natts; ++i) {
        const ParsedColumn &c = e.columns[i];
        if (set_by_us[i] || c.skip) continue;
        ExprState *state = prepared.defaults[i];
        if (c.live) {
            Node *def = build_column_default(rel, i + 1);
            if (!def) continue;
            state = ExecPrepareExpr(reinterpret_cast<Expr *>(def), estate);
        } else if (!state) {
            if (!c.expr) continue;
            state = prepared.defaults[i] = compile(c.expr, c.planned, estate);
        }
        slot->tts_values[i] = ExecEvalExpr(state, econtext, &slot->tts_isnull[i]);
    }
}

}  // namespace

// As the logical replication apply worker inserts a row (worker.c,
// execReplication.c): an EState, the result relation with its indexes,
// BEFORE/AFTER row and statement triggers, constraints and generated columns.
void write_log_rows(const core::Vector<LogRow> &rows, bool manual, Oid field_relid,
                    core::Vector<core::Uuid> &ids) {
    if (rows.empty()) return;
    // The event trigger functions carry no SET clause (it would cost every DDL
    // of every session a GUC save and restore): search_path is pinned here,
    // around the one step that can run code not ours, a DBA's trigger or
    // default on the log. The capture's subtransaction undoes it on error.
    int guc_level = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    Relation rel = table_open(drift_log_relid(), RowExclusiveLock);
    TupleDesc desc = RelationGetDescr(rel);
    LogColumns columns(desc);
    Session session;
    bool pushed_snapshot = false;
    if (!ActiveSnapshotSet()) {
        PushActiveSnapshot(GetTransactionSnapshot());
        pushed_snapshot = true;
    }

    EState *estate = CreateExecutorState();
    compat::init_single_range_table(estate, rel, RowExclusiveLock);
    ResultRelInfo *rri = makeNode(ResultRelInfo);
    InitResultRelInfo(rri, rel, 1, nullptr, 0);
    // Registered, so that AFTER triggers find it rather than open the table again.
    estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, rri);
    estate->es_output_cid = GetCurrentCommandId(true);
    ExecOpenIndices(rri, false);
    AfterTriggerBeginQuery();
    ExecBSInsertTriggers(estate, rri);

    StatementExprs prepared = prepare_statement_exprs(rel, rri, estate);
    TupleTableSlot *slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
    bool *set_by_us = static_cast<bool *>(palloc(sizeof(bool) * desc->natts));
    for (const LogRow &row : rows) {
        ExecClearTuple(slot);
        memset(slot->tts_isnull, true, sizeof(bool) * desc->natts);
        memset(slot->tts_values, 0, sizeof(Datum) * desc->natts);
        core::Uuid id = random_uuid();
        fill(slot, columns, session, row, manual, id);
        for (int i = 0; i < desc->natts; ++i) set_by_us[i] = !slot->tts_isnull[i];
        // Columns we leave NULL on purpose (action, resolved_at, ...) have no
        // default in our own definition; a DBA's default applies.
        fill_defaults(rel, estate, prepared, slot, set_by_us);
        ExecStoreVirtualTuple(slot);
        ExecSimpleRelationInsert(rri, estate, slot);
        ResetPerTupleExprContext(estate);
        ids.push_back(id);
        // Every backend's cache maps renamed field columns to their fields:
        // the rename of a field's column refreshes them.
        if (row.field_id && row.action && *row.action == "rename column" && OidIsValid(field_relid))
            CacheInvalidateRelcacheByRelid(field_relid);
    }
    ExecASInsertTriggers(estate, rri, nullptr);
    AfterTriggerEndQuery(estate);
    ExecCloseResultRelations(estate);  // its indexes, and any trigger target opened
    ExecCloseRangeTableRelations(estate);
    ExecResetTupleTable(estate->es_tupleTable, false);
    FreeExecutorState(estate);
    if (pushed_snapshot) PopActiveSnapshot();
    table_close(rel, NoLock);  // the lock is held to the end of the transaction, as INSERT's
    AtEOXact_GUC(true, guc_level);
}

void notify_log_rows(const core::Vector<LogRow> &rows, const core::Vector<core::Uuid> &ids) {
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

void resolve_log_rows(const core::Vector<core::Uuid> &fields,
                      const core::Vector<core::Uuid> &entities, const char *resolution) {
    if (fields.empty() && entities.empty()) return;
    // The caller may repair but not write the log: the update runs as the
    // log's owner, as a SECURITY DEFINER function would.
    Oid owner = guard([] {
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(drift_log_relid()));
        if (!HeapTupleIsValid(tup)) return InvalidOid;
        Oid o = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relowner;
        ReleaseSysCache(tup);
        return o;
    });
    if (!OidIsValid(owner)) return;
    OwnerScope as_owner(owner);
    guard([&] {
        auto uuid_array = [](const core::Vector<core::Uuid> &ids) {
            Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (ids.size() + 1)));
            for (std::size_t i = 0; i < ids.size(); ++i) elems[i] = uuid_datum(ids[i]);
            return PointerGetDatum(construct_array(elems, static_cast<int>(ids.size()), UUIDOID,
                                                   UUID_LEN, false, TYPALIGN_CHAR));
        };
        Oid types[3] = {UUIDARRAYOID, UUIDARRAYOID, TEXTOID};
        Datum values[3] = {uuid_array(fields), uuid_array(entities),
                           CStringGetTextDatum(resolution)};
        if (SPI_connect() != SPI_OK_CONNECT)
            ereport(ERROR,
                    (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("SPI_connect failed")));
        // A table-level row goes with a field's rows when the same manual
        // statement wrote them (same backend, transaction and statement start).
        int rc = SPI_execute_with_args(
            "UPDATE selegic.drift_log AS l SET resolved_at = pg_catalog.now(), resolution = $3 "
            "WHERE l.resolved_at IS NULL AND l.origin OPERATOR(pg_catalog.=) 'manual' AND ("
            "  l.field_id OPERATOR(pg_catalog.=) ANY ($1)"
            "  OR (l.field_id IS NULL AND l.entity_id OPERATOR(pg_catalog.=) ANY ($2))"
            "  OR (l.field_id IS NULL AND EXISTS ("
            "    SELECT FROM selegic.drift_log AS s"
            "    WHERE s.field_id OPERATOR(pg_catalog.=) ANY ($1) AND s.resolved_at IS NULL"
            "      AND s.origin OPERATOR(pg_catalog.=) 'manual'"
            "      AND s.entity_id OPERATOR(pg_catalog.=) l.entity_id"
            "      AND s.backend_pid OPERATOR(pg_catalog.=) l.backend_pid"
            "      AND s.transaction_id OPERATOR(pg_catalog.=) l.transaction_id"
            "      AND s.occurred_at OPERATOR(pg_catalog.=) l.occurred_at)))",
            3, types, values, nullptr, false, 0);
        SPI_finish();
        if (rc != SPI_OK_UPDATE)
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg_internal("could not resolve drift log rows: SPI code %d", rc)));
    });
}

}  // namespace selegic::pg
