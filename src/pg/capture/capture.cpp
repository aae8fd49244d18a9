#include "pg/capture/capture.hpp"

#include <string>

#include "pg/capture/api_origin.hpp"
#include "pg/capture/event_rows.hpp"
#include "pg/capture/log_writer.hpp"
#include "pg/capture/managed_cache.hpp"
#include "pg/counters.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"

namespace selegic::pg {

namespace {

// Rewrites that table_rewrite saw under log and warn, written with the rows of
// the same statement's ddl_command_end (same utility depth): one
// subtransaction and one insert for an ALTER COLUMN TYPE, not two. A fixed
// array, no allocation; entries of a subtransaction that aborts go with it,
// and the transaction's end clears what is left.
struct StashedRewrite {
    Oid relid;
    int depth;
    SubTransactionId subxid;
};
constexpr int kMaxStashed = 32;
StashedRewrite stashed[kMaxStashed];
int n_stashed = 0;

// The relids stashed at this depth, taken out of the stash.
int take_stashed(int depth, Oid (&out)[kMaxStashed]) {
    int n = 0, kept = 0;
    for (int i = 0; i < n_stashed; ++i) {
        if (stashed[i].depth == depth)
            out[n++] = stashed[i].relid;
        else
            stashed[kept++] = stashed[i];
    }
    n_stashed = kept;
    return n;
}

void on_subxact(SubXactEvent event, SubTransactionId mySubid, SubTransactionId, void *) {
    if (event != SUBXACT_EVENT_ABORT_SUB) return;
    int kept = 0;
    for (int i = 0; i < n_stashed; ++i)
        if (stashed[i].subxid < mySubid) stashed[kept++] = stashed[i];
    n_stashed = kept;
}

void on_xact(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
        event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
        event == XACT_EVENT_PREPARE)
        n_stashed = 0;
}

struct Outcome {
    bool manual = true;
    bool block = false;
    core::Vector<LogRow> rows;
};

// DDL on a relation outside every managed schema, told from the parse tree
// with a warm cache: nothing to record, decided before any allocation.
// nullopt: cannot tell cheaply (the full capture decides).
bool plainly_unmanaged_statement(EventTriggerData *trigger) {
    const ManagedCache *cache = ManagedCache::peek();
    if (!cache) return false;
    std::optional<PgError> failed;
    try {
        return guard([&] { return plainly_unmanaged(trigger->parsetree, *cache); });
    } catch (const PgError &e) {
        failed = e;
    }
    if (must_propagate(failed->sqlerrcode())) throw *failed;
    return false;  // could not tell: the full capture decides, under its policy
}

[[noreturn]] void raise_blocked(const Outcome &o, const char *command_tag) {
    count(Counter::DdlBlocked);
    const LogRow &row = o.rows.front();
    throw core::Error(
        core::sqlstate::insufficient_privilege,
        std::string("manual DDL on managed object ") + row.object.c_str() + " is blocked",
        std::string(command_tag) +
            " was refused because selegic.manual_ddl is 'block'; the statement was rolled back.",
        "Change the schema through the Selegic API (or selegic_api_execute()), or repair drift "
        "with selegic_resync().");
}

// Under block the capture fails closed: what it could not check is refused.
[[noreturn]] void raise_unchecked(const PgError &e, const char *command_tag) {
    count(Counter::CaptureFailures);
    count(Counter::DdlBlocked);
    std::string message = e.what();
    int code = e.sqlerrcode();
    guard([&] {
        ereport(ERROR,
                (errcode(code),
                 errmsg("selegic_drift could not check %s under selegic.manual_ddl = 'block': %s",
                        command_tag, message.c_str()),
                 errdetail("The statement was refused, since it could not be told whether it "
                           "changes a managed object."),
                 errhint("Correct the cause, or run the DDL through selegic_api_execute().")));
    });
    pg_unreachable();
}

void warn_unrecorded(const PgError &e, const char *command_tag) {
    count(Counter::CaptureFailures);
    std::string message = e.what();
    guard([&] {
        ereport(WARNING,
                (errcode(ERRCODE_WARNING),
                 errmsg("selegic_drift could not record %s: %s", command_tag, message.c_str()),
                 errdetail("The statement went ahead; selegic.drift_log has no row of "
                           "it.")));
    });
}

void warn_manual(const core::Vector<LogRow> &rows) {
    for (const LogRow &row : rows) {
        std::string entity = row.entity_id ? row.entity_id->to_string().c_str() : "none";
        std::string field = row.field_id ? row.field_id->to_string().c_str() : "none";
        guard([&] {
            ereport(
                WARNING,
                (errcode(ERRCODE_WARNING),
                 errmsg("manual DDL on managed object %s", row.object.c_str()),
                 errdetail("%s%s%s on entity %s, field %s was made outside the Selegic API "
                           "and is recorded in selegic.drift_log.",
                           row.command_tag.c_str(), row.action ? ": " : "",
                           row.action ? row.action->c_str() : "", entity.c_str(), field.c_str())));
        });
    }
}

// The frame every event shares. collect(cache, command tag, rows) gathers the
// rows; origin, the cache, collection and the writes all run in one
// subtransaction, so that a failure leaves no partial row.
template <class Collect>
void capture_event(EventTriggerData *trigger, Collect collect) {
    if (plainly_unmanaged_statement(trigger)) return;

    CallMemory memory("selegic capture");
    const char *tag = GetCommandTagName(trigger->tag);
    auto policy = static_cast<ManualDdl>(manual_ddl);
    auto attempt = attempt_in_subtransaction([&] {
        Outcome o;
        o.manual = !guard([] { return session_is_api(); });
        if (!o.manual && !log_api_ddl) return o;
        const ManagedCache &cache = ManagedCache::get();
        if (cache.empty()) return o;
        guard([&] { collect(cache, tag, o.rows); });
        if (o.rows.empty()) return o;
        if (o.manual && policy == ManualDdl::Block) {
            o.block = true;  // refused below: nothing to write
            return o;
        }
        core::Vector<core::Uuid> ids;
        guard([&] {
            write_log_rows(o.rows, o.manual, cache.field_relid(), ids);
            if (o.manual) notify_log_rows(o.rows, ids);
        });
        return o;
    });
    if (!attempt.ok()) {
        if (policy == ManualDdl::Block) raise_unchecked(attempt.error(), tag);
        warn_unrecorded(attempt.error(), tag);
        return;
    }
    Outcome &o = attempt.value();
    if (o.block) raise_blocked(o, tag);
    if (o.manual || log_api_ddl) count(Counter::DdlCaptured, o.rows.size());
    if (o.manual && policy == ManualDdl::Warn && !o.rows.empty()) warn_manual(o.rows);
}

}  // namespace

void capture_ddl_command_end(EventTriggerData *trigger) {
    if (!capture_enabled) return;  // selegic.capture = off: a restore, say
    Oid rewrites[kMaxStashed];
    int n_rewrites = take_stashed(current_utility_depth(), rewrites);
    // Drops are recorded by sql_drop: an ALTER TABLE of drops alone leaves
    // nothing for this event.
    if (n_rewrites == 0 && only_drops(trigger->parsetree)) return;
    capture_event(trigger, [&](const ManagedCache &c, const char *tag, core::Vector<LogRow> &rows) {
        collect_ddl_command_end(c, rows);
        for (int i = 0; i < n_rewrites; ++i) collect_rewrite(c, rewrites[i], tag, rows);
    });
}

void capture_sql_drop(EventTriggerData *trigger) {
    if (!capture_enabled) return;
    capture_event(trigger, [](const ManagedCache &c, const char *tag, core::Vector<LogRow> &rows) {
        collect_sql_drop(c, tag, rows);
    });
}

void capture_table_rewrite(EventTriggerData *trigger) {
    if (!capture_enabled) return;
    // Under block the rewrite is decided now, before the table is rewritten;
    // otherwise it waits for the statement's ddl_command_end.
    if (static_cast<ManualDdl>(manual_ddl) != ManualDdl::Block && n_stashed < kMaxStashed) {
        Oid relid = guard([] { return rewritten_relation(); });
        stashed[n_stashed++] = {relid, current_utility_depth(),
                                guard([] { return GetCurrentSubTransactionId(); })};
        return;
    }
    capture_event(trigger, [](const ManagedCache &c, const char *tag, core::Vector<LogRow> &rows) {
        collect_table_rewrite(c, tag, rows);
    });
}

void register_capture_callbacks() {
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
}

}  // namespace selegic::pg
