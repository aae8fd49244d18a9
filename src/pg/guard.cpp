#include "pg/guard.hpp"

#include <cstring>
#include <new>

namespace selegic::pg {

}  // namespace selegic::pg

namespace selegic::pg::detail {

ErrorData *run_guarded(Thunk thunk, void *arg) {
    MemoryContext volatile caller_cxt = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    { (void)thunk(arg); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_cxt);
        error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return error;
}

// As PL/pgSQL runs a block with an EXCEPTION clause (exec_stmt_block).
ErrorData *run_in_subtransaction(Thunk thunk, void *arg) {
    MemoryContext volatile caller_cxt = CurrentMemoryContext;
    ResourceOwner volatile caller_owner = CurrentResourceOwner;
    ErrorData *volatile error = nullptr;

    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller_cxt);  // results must outlive the subtransaction
    PG_TRY();
    {
        // A body that ended in a C++ exception may have left relations open,
        // locks or SPI connections behind: only a rollback cleans them up.
        if (thunk(arg))
            ReleaseCurrentSubTransaction();
        else
            RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_cxt);
        CurrentResourceOwner = caller_owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_cxt);
        error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller_cxt);
        CurrentResourceOwner = caller_owner;
    }
    PG_END_TRY();
    return error;
}

namespace {
struct Report {
    int sqlerrcode;
    const std::string *message, *detail, *hint;
};

void raise_report(void *arg) {
    auto *r = static_cast<Report *>(arg);
    ereport(ERROR, (errcode(r->sqlerrcode), errmsg_internal("%s", r->message->c_str()),
                    r->detail->empty() ? 0 : errdetail_internal("%s", r->detail->c_str()),
                    r->hint->empty() ? 0 : errhint("%s", r->hint->c_str())));
}

bool raise_report_thunk(void *arg) {
    raise_report(arg);
    return true;
}

}  // namespace

// Raised for real and caught, so the ErrorData is complete (output flags,
// location) exactly as PostgreSQL's own.
ErrorData *make_error_data(int sqlerrcode, const std::string &message, const std::string &detail,
                           const std::string &hint) {
    Report r{sqlerrcode, &message, &detail, &hint};
    return run_guarded(&raise_report_thunk, &r);
}

void propagate_if_fatal(const PgError &error, bool own_lock_wait) {
    if (must_propagate(error.sqlerrcode(), own_lock_wait) || IsAbortedTransactionBlockState())
        throw error;
    // A cancel that arrived while the error was being handled is the user's.
    guard([] { CHECK_FOR_INTERRUPTS(); });
}

}  // namespace selegic::pg::detail

namespace selegic::pg {

namespace {
// The error to raise, as plain pointers: nothing here has a destructor, so
// the longjmp that follows skips nothing.
struct RaiseData {
    ErrorData *pg = nullptr;
    bool out_of_memory = false;
    int sqlerrcode = 0;
    char *message = nullptr;
    char *detail = nullptr;
    char *hint = nullptr;
};

char *copy_or_null(const std::string &s) {
    if (s.empty()) return nullptr;
    auto *out = static_cast<char *>(
        MemoryContextAllocExtended(ErrorContext, s.size() + 1, MCXT_ALLOC_NO_OOM));
    if (out) std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

// Every C++ object (the exception, its copies, the strings) is destroyed
// when this returns.
RaiseData take_apart(PendingError &pending) noexcept {
    RaiseData r;
    detail::Classified c = detail::classify(pending.exception);
    pending.exception = nullptr;
    if (c.pg) {
        r.pg = c.pg->release();
    } else if (c.bad_alloc) {
        r.out_of_memory = true;
    } else {
        r.sqlerrcode = c.sqlerrcode;
        r.message = copy_or_null(c.message);
        r.detail = copy_or_null(c.detail);
        r.hint = copy_or_null(c.hint);
    }
    return r;
}
}  // namespace

void raise(PendingError &pending) {
    RaiseData r = take_apart(pending);
    if (r.pg) ReThrowError(r.pg);
    if (r.out_of_memory)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail("A C++ allocation in selegic_drift failed.")));
    ereport(ERROR, (errcode(r.sqlerrcode),
                    errmsg_internal("%s", r.message ? r.message : "unexpected C++ exception"),
                    r.detail ? errdetail_internal("%s", r.detail) : 0,
                    r.hint ? errhint("%s", r.hint) : 0));
    pg_unreachable();
}

}  // namespace selegic::pg
