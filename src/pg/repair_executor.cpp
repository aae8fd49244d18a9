#include "pg/repair_executor.hpp"

#include <exception>
#include <string>

#include "pg/capture/api_origin.hpp"
#include "pg/compat.hpp"
#include "pg/counters.hpp"
#include "pg/guard.hpp"
#include "pg/guc.hpp"
#include "pg/user_code.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
#include "utils/acl.h"
#include "utils/regproc.h"
}

namespace selegic::pg {

namespace {

using core::String;

// One SPI connection and lock_timeout = selegic.lock_timeout for the length
// of a repair or a dry run, both undone on every path out, as a function's
// SET clause is: the repair and the dry run's counts never queue behind a
// lock, and the diagnosis of a failure still runs under the bound.
class RepairSession {
public:
    RepairSession() {
        guard([&] {
            if (SPI_connect() != SPI_OK_CONNECT)
                ereport(ERROR,
                        (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("SPI_connect failed")));
            guc_level_ = NewGUCNestLevel();
            char value[32];
            pg_snprintf(value, sizeof value, "%dms", lock_timeout_ms);
            set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                              true, 0, false);
        });
        exceptions_ = std::uncaught_exceptions();
    }
    ~RepairSession() {
        // Neither can fail; on an ERROR the transaction's end would do both.
        AtEOXact_GUC(std::uncaught_exceptions() == exceptions_, guc_level_);
        SPI_finish();
    }
    RepairSession(const RepairSession &) = delete;
    RepairSession &operator=(const RepairSession &) = delete;

private:
    int guc_level_ = 0;
    int exceptions_ = 0;
};

void execute(const String &sql) {
    int rc = SPI_execute(sql.c_str(), false, 0);
    if (rc < 0)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg_internal("SPI_execute failed with code %d", rc),
                        errdetail_internal("Statement: %s", sql.c_str())));
}

// The owner of the table a statement changes, after checking that the caller
// may change it (owns it, or is a member of the owning role). InvalidOid when
// the table does not exist yet (CREATE TABLE, CREATE SCHEMA): the caller
// creates it and owns it.
Oid owner_for(const String &table_sql) {
    return guard([&] {
        List *names = compat::qualified_name_list(table_sql.c_str());
        Oid relid = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
        if (!OidIsValid(relid)) return InvalidOid;
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tup)) return InvalidOid;
        Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup))->relowner;
        ReleaseSysCache(tup);
        if (!has_privs_of_role(GetUserId(), owner))
            aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table_sql.c_str());
        // The statement names the table, so its owner must reach the schema.
        Oid nsp = get_rel_namespace(relid);
        if (compat::namespace_aclcheck(nsp, owner, ACL_USAGE) != ACLCHECK_OK)
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("owner %s of table %s has no USAGE on schema %s",
                            quote_identifier(GetUserNameFromId(owner, false)), table_sql.c_str(),
                            quote_identifier(get_namespace_name(nsp))),
                     errdetail("A repair runs each statement as the table's owner, so that code "
                               "in defaults, casts and index expressions has the owner's rights "
                               "and no more."),
                     errhint("GRANT USAGE ON SCHEMA %s TO %s;",
                             quote_identifier(get_namespace_name(nsp)),
                             quote_identifier(GetUserNameFromId(owner, false)))));
        return owner;
    });
}

// Runs f as the owner of table_sql inside a security-restricted operation:
// user code that the statement evaluates (a default, a cast, an index
// expression) has the owner's rights and nothing more.
template <class F>
void as_owner_of(const String &table_sql, F f) {
    Oid owner = owner_for(table_sql);
    if (!OidIsValid(owner)) {
        f();
        return;
    }
    OwnerScope scope(owner);
    f();
}

// How many rows would make the statement fail, counted as the table's owner.
// The count may fail: in a dry run the objects it counts may not exist yet,
// or a lock was not granted within selegic.lock_timeout; the caller decides
// what that means. A cancel or a statement_timeout is the user's and
// propagates.
Attempt<long long> count_blocking_rows(const core::Statement &s) {
    const core::Precheck &check = *s.check;
    return attempt_in_subtransaction(
        [&] {
            long long n = 0;
            as_owner_of(s.table, [&] {
                guard([&] {
                    execute(check.count_sql);
                    bool isnull = true;
                    Datum d = SPI_processed == 1 ? SPI_getbinval(SPI_tuptable->vals[0],
                                                                 SPI_tuptable->tupdesc, 1, &isnull)
                                                 : (Datum)0;
                    n = isnull ? 0LL : static_cast<long long>(DatumGetInt64(d));
                });
            });
            return n;
        },
        /*own_lock_wait=*/true);
}

String describe(const core::Precheck &check, long long n) {
    if (n == 1) return check.rows_one;
    String s = check.rows_many;
    auto at = s.find("%n");
    if (at != String::npos) s.replace(at, 2, std::to_string(n).c_str());
    return s;
}

String with_semicolon(const String &sql) {
    String s = sql;
    s += ';';
    return s;
}

// A repair statement failed and everything was rolled back: say which rows or
// which lock stood in the way, keeping PostgreSQL's SQLSTATE and message.
// Runs while the repair's lock_timeout still holds.
[[noreturn]] void explain_failure(PgError error, const core::Statement &failed) {
    std::string detail, hint;
    if (error.sqlerrcode() == err::lock_not_available) {
        detail = std::string("Another session holds a lock on ") + failed.table.c_str() +
                 "; the repair waited " + std::to_string(lock_timeout_ms) +
                 " ms (selegic.lock_timeout).";
        hint = "Retry when that transaction has ended, or raise selegic.lock_timeout.";
    } else if (failed.check) {
        auto n = count_blocking_rows(failed);
        if (n.ok() && n.value() > 0) {
            detail = describe(*failed.check, n.value()).c_str();
            detail += '.';
            hint = failed.check->hint.c_str();
        }
    }
    if (detail.empty())
        detail = std::string("The failing statement was: ") + failed.sql.c_str() + ".";
    detail += " The repair was rolled back; nothing was changed.";
    guard([&] {
        ErrorData &e = error.mutable_data();
        e.detail = pstrdup(detail.c_str());
        if (!hint.empty()) e.hint = pstrdup(hint.c_str());
        e.context = nullptr;
        e.internalquery = nullptr;
        e.internalpos = 0;
        e.cursorpos = 0;
    });
    throw error;
}

// The lock table filled up: one transaction took a lock on more tables than
// max_locks_per_transaction allows. Say so and what to do.
void explain_lock_exhaustion(PgError &error, std::size_t statements) {
    if (error.sqlerrcode() != err::out_of_memory || !error.data().message ||
        std::string(error.data().message) != "out of shared memory")
        return;
    std::string detail = "The repair of " + std::to_string(statements) +
                         " statements takes a lock on every table it changes, in one "
                         "transaction, and the server's lock table is full. The repair was "
                         "rolled back; nothing was changed.";
    guard([&] {
        ErrorData &e = error.mutable_data();
        e.detail = pstrdup(detail.c_str());
        e.hint = pstrdup(
            "Raise max_locks_per_transaction (it takes a restart), or repair entity by entity "
            "with selegic_resync_entity(), as docs/runbook.md shows.");
    });
}

// Changes PostgreSQL would make silently (truncating, rounding) are refused
// before the statement runs, counted where the plan has brought the table
// (after a rename back, say); a count that cannot run refuses it too, since
// nothing else would notice.
void refuse_silent_changes(const core::Statement &s) {
    if (!s.check || !s.check->enforce) return;
    auto n = count_blocking_rows(s);
    if (!n.ok()) throw n.error();
    if (n.value() > 0)
        throw core::Error(
            core::sqlstate::data_exception,
            std::string("repair of ") + s.table.c_str() + " would change existing values",
            std::string(describe(*s.check, n.value()).c_str()) + ".", s.check->hint.c_str());
}

core::Vector<String> dry_run_script(const core::Vector<core::Statement> &plan) {
    core::Vector<String> lines;
    for (const core::Statement &s : plan) {
        if (s.check) {
            auto n = count_blocking_rows(s);
            if (n.ok() && n.value() > 0)
                lines.push_back("-- would fail: " + describe(*s.check, n.value()));
            if (!n.ok() && n.error().sqlerrcode() == err::lock_not_available)
                lines.push_back("-- not checked: another session holds a lock on " + s.table +
                                " (selegic.lock_timeout)");
        }
        lines.push_back(with_semicolon(s.sql));
    }
    return lines;
}

}  // namespace

void append_waived(const core::Vector<core::DriftRow> &rows, core::Vector<String> &script) {
    for (const core::DriftRow &row : rows) {
        if (!row.waived_until) continue;
        String until = guard([&] { return String(timestamptz_to_str(*row.waived_until)); });
        for (const core::Statement &s : row.repair)
            script.push_back("-- waived until " + until + ": " + with_semicolon(s.sql));
    }
}

core::Vector<String> run_repair(const core::Vector<core::Statement> &plan, bool dry_run) {
    if (plan.empty()) return {};
    RepairSession session;
    if (dry_run) return dry_run_script(plan);

    std::size_t current = 0;
    std::optional<PgError> fatal;
    std::optional<Attempt<Done>> outcome;
    try {
        // The repair is the API's own tool: its statements (and only they,
        // not DDL that user code runs from inside them) are not manual drift.
        ApiScope api(ApiScope::Reach::StatementsOnly);
        // One subtransaction for the whole plan: on failure it is rolled back
        // before the failure is explained, so the counts see the data as it was.
        outcome.emplace(attempt_in_subtransaction(
            [&] {
                for (current = 0; current < plan.size(); ++current) {
                    const core::Statement &s = plan[current];
                    refuse_silent_changes(s);
                    as_owner_of(s.table, [&] { guard([&] { execute(s.sql); }); });
                }
            },
            /*own_lock_wait=*/true));
    } catch (const PgError &e) {
        fatal = e;  // a cancel, a timeout, the lock table: no explanation needed but one
    }
    if (fatal) {
        count(Counter::RepairsFailed);
        explain_lock_exhaustion(*fatal, plan.size());
        throw *fatal;
    }
    if (!outcome->ok()) {
        count(Counter::RepairsFailed);
        explain_failure(outcome->error(), plan[current]);
    }
    count(Counter::RepairsRun);
    core::Vector<String> lines;
    for (const core::Statement &s : plan) lines.push_back(with_semicolon(s.sql));
    return lines;
}

}  // namespace selegic::pg
