#include "pg/guard.hpp"

#include <cstring>
#include <new>

#include "core/types.hpp"

namespace selegic::pg::detail {

ErrorData *run_guarded(Thunk thunk, void *arg) {
    MemoryContext volatile caller_cxt = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    { thunk(arg); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_cxt);
        error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return error;
}

// As PL/pgSQL runs a block with an EXCEPTION clause.
ErrorData *run_in_subtransaction(Thunk thunk, void *arg) {
    MemoryContext volatile caller_cxt = CurrentMemoryContext;
    ResourceOwner volatile caller_owner = CurrentResourceOwner;
    ErrorData *volatile error = nullptr;

    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller_cxt);  // results must outlive the subtransaction
    PG_TRY();
    {
        thunk(arg);
        ReleaseCurrentSubTransaction();
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

}  // namespace selegic::pg::detail

namespace selegic::pg {

namespace {
// Allocation here must not ERROR: we may be inside a catch block.
char *copy_text(const char *s) {
    if (!s || !*s) return nullptr;
    std::size_t n = std::strlen(s) + 1;
    auto *out =
        static_cast<char *>(MemoryContextAllocExtended(CurrentMemoryContext, n, MCXT_ALLOC_NO_OOM));
    if (out) std::memcpy(out, s, n);
    return out;
}

int sqlstate_code(const char *s) {
    if (!s || std::strlen(s) != 5) return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}
}  // namespace

PendingError capture_current_exception() noexcept {
    PendingError p;
    try {
        throw;
    } catch (const PgError &e) {
        p.pg = e.data();
    } catch (const core::Error &e) {
        p.sqlerrcode = sqlstate_code(e.sqlstate());
        p.message = copy_text(e.what());
        p.detail = copy_text(e.detail().c_str());
        p.hint = copy_text(e.hint().c_str());
    } catch (const std::bad_alloc &) {
        p.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
    } catch (const std::exception &e) {
        p.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        p.message = copy_text(e.what());
    } catch (...) {
        p.sqlerrcode = ERRCODE_INTERNAL_ERROR;
    }
    return p;
}

void raise(PendingError &p) {
    if (p.pg) ReThrowError(p.pg);
    if (p.sqlerrcode == ERRCODE_OUT_OF_MEMORY)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail("A C++ allocation in selegic_drift failed.")));
    ereport(ERROR, (errcode(p.sqlerrcode),
                    errmsg_internal("%s", p.message ? p.message : "unexpected C++ exception"),
                    p.detail ? errdetail_internal("%s", p.detail) : 0,
                    p.hint ? errhint("%s", p.hint) : 0));
    pg_unreachable();
}

}  // namespace selegic::pg
