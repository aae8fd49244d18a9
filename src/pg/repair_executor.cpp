#include "pg/repair_executor.hpp"

#include <string>

#include "pg/ddl_capture.hpp"
#include "pg/guard.hpp"
#include "pg/guc.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace selegic::pg {

namespace {

using core::String;

void execute(const String &sql) {
    int rc = SPI_execute(sql.c_str(), false, 0);
    if (rc < 0)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg_internal("SPI_execute failed with code %d", rc),
                        errdetail_internal("Statement: %s", sql.c_str())));
}

// How many rows would make the statement fail. Not known (nullopt) when the
// count itself fails: in a dry run the objects it counts may not exist yet,
// or a lock was not granted within selegic.lock_timeout (then *locked is
// set). A cancel or a statement_timeout is the user's and is raised.
std::optional<long long> count_blocking_rows(const core::Precheck &check, bool *locked = nullptr) {
    try {
        return in_subtransaction([&] {
            execute(check.count_sql);
            bool isnull = true;
            Datum d = SPI_processed == 1
                          ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
                          : (Datum)0;
            return isnull ? 0LL : static_cast<long long>(DatumGetInt64(d));
        });
    } catch (const PgError &e) {
        int code = e.data()->sqlerrcode;
        if (code == ERRCODE_QUERY_CANCELED || code == ERRCODE_ADMIN_SHUTDOWN ||
            code == ERRCODE_OUT_OF_MEMORY)
            throw;
        if (locked && code == ERRCODE_LOCK_NOT_AVAILABLE) *locked = true;
        FreeErrorData(e.data());
        return std::nullopt;
    }
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
[[noreturn]] void explain_failure(ErrorData *edata, const core::Statement &failed) {
    std::string detail, hint;
    if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE) {
        detail = std::string("Another session holds a lock on ") + failed.table.c_str() +
                 "; the repair waited " + std::to_string(lock_timeout_ms) +
                 " ms (selegic.lock_timeout).";
        hint = "Retry when that transaction has ended, or raise selegic.lock_timeout.";
    } else if (failed.check) {
        auto n = count_blocking_rows(*failed.check);
        if (n && *n > 0) {
            detail = describe(*failed.check, *n).c_str();
            detail += '.';
            hint = failed.check->hint.c_str();
        }
    }
    if (detail.empty())
        detail = std::string("The failing statement was: ") + failed.sql.c_str() + ".";
    detail += " The repair was rolled back; nothing was changed.";
    guard([&] {
        edata->detail = pstrdup(detail.c_str());
        if (!hint.empty()) edata->hint = pstrdup(hint.c_str());
        edata->context = nullptr;
        edata->internalquery = nullptr;
        edata->internalpos = 0;
        edata->cursorpos = 0;
    });
    throw PgError(edata);
}

core::Vector<String> dry_run_script(const core::Vector<core::Statement> &plan) {
    core::Vector<String> lines;
    for (const core::Statement &s : plan) {
        if (s.check) {
            bool locked = false;
            auto n = count_blocking_rows(*s.check, &locked);
            if (n && *n > 0) lines.push_back("-- would fail: " + describe(*s.check, *n));
            if (locked)
                lines.push_back("-- not checked: another session holds a lock on " + s.table +
                                " (selegic.lock_timeout)");
        }
        lines.push_back(with_semicolon(s.sql));
    }
    return lines;
}

}  // namespace

core::Vector<String> run_repair(const core::Vector<core::Statement> &plan, bool dry_run) {
    if (plan.empty()) return {};
    guard([] {
        if (SPI_connect() != SPI_OK_CONNECT)
            ereport(ERROR,
                    (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("SPI_connect failed")));
    });
    // lock_timeout for this call only, restored as a function's SET clause is:
    // the repair and the dry run's counts alike never queue behind a lock.
    int guc_level = guard([] { return NewGUCNestLevel(); });
    guard([] {
        char value[32];
        pg_snprintf(value, sizeof value, "%dms", lock_timeout_ms);
        set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                          0, false);
    });
    if (dry_run) {
        auto lines = dry_run_script(plan);
        guard([&] {
            AtEOXact_GUC(true, guc_level);
            SPI_finish();
        });
        return lines;
    }

    // Changes PostgreSQL would make silently (truncating, rounding) are refused
    // before anything runs.
    for (const core::Statement &s : plan) {
        if (!s.check || !s.check->enforce) continue;
        auto n = count_blocking_rows(*s.check);
        if (n && *n > 0) {
            guard([&] { SPI_finish(); });
            throw core::Error(
                core::sqlstate::data_exception,
                std::string("repair of ") + s.table.c_str() + " would change existing values",
                std::string(describe(*s.check, *n).c_str()) +
                    ". The repair was not run; nothing was changed.",
                s.check->hint.c_str());
        }
    }

    std::size_t current = 0;
    ApiScope api;  // the repair is the API's own tool: not manual drift, allowed under block
    try {
        // One subtransaction for the whole plan: on failure it is rolled back
        // before the failure is explained, so the counts see the data as it was.
        in_subtransaction([&] {
            for (current = 0; current < plan.size(); ++current) execute(plan[current].sql);
        });
    } catch (const PgError &e) {
        guard([&] { AtEOXact_GUC(false, guc_level); });
        explain_failure(e.data(), plan[current]);
    }
    guard([&] {
        AtEOXact_GUC(true, guc_level);
        SPI_finish();
    });
    core::Vector<String> lines;
    for (const core::Statement &s : plan) lines.push_back(with_semicolon(s.sql));
    return lines;
}

}  // namespace selegic::pg
