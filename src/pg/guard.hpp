// Where C++ and PostgreSQL error handling meet.
//
// PostgreSQL reports errors with longjmp; C++ with exceptions. Neither may cross
// the other: a longjmp through C++ frames skips destructors, an exception
// through PostgreSQL frames skips its error-stack bookkeeping. So:
//  - guard() runs a piece of code that calls into PostgreSQL under PG_TRY and
//    turns an ERROR into a PgError exception (carrying the full ErrorData);
//  - in_subtransaction() does the same inside an internal subtransaction and
//    rolls it back, for errors we recover from (bad metadata);
//  - barrier() wraps every SQL-callable entry point: it catches every C++
//    exception and, once no C++ frame or exception object is left, raises it
//    as a PostgreSQL ERROR with the original SQLSTATE, DETAIL and HINT.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "pg/postgres.hpp"

namespace selegic::pg {

// A PostgreSQL ERROR, caught and carried as a C++ exception.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *edata) : edata_(edata) {}
    const char *what() const noexcept override {
        return edata_ && edata_->message ? edata_->message : "unknown PostgreSQL error";
    }
    ErrorData *data() const { return edata_; }

private:
    ErrorData *edata_;  // copied into the memory context current when the guard began
};

namespace detail {
using Thunk = void (*)(void *);
// Run thunk(arg); on a PostgreSQL ERROR return a copy of it (and clear the
// error state), else nullptr.
ErrorData *run_guarded(Thunk thunk, void *arg);
// The same inside an internal subtransaction that is rolled back on error.
ErrorData *run_in_subtransaction(Thunk thunk, void *arg);

// Calls f, keeping any C++ exception on this side of the PG_TRY frame.
template <class F>
struct Call {
    F *f;
    std::exception_ptr exception;
    static void thunk(void *p) {
        auto *self = static_cast<Call *>(p);
        try {
            (*self->f)();
        } catch (...) {
            self->exception = std::current_exception();
        }
    }
};

template <class F, class Runner>
auto run(F &&f, Runner runner) {
    using R = decltype(f());
    if constexpr (std::is_void_v<R>) {
        Call<std::remove_reference_t<F>> call{&f, nullptr};
        if (ErrorData *e = runner(&Call<std::remove_reference_t<F>>::thunk, &call))
            throw PgError(e);
        if (call.exception) std::rethrow_exception(call.exception);
    } else {
        std::optional<R> result;
        auto store = [&] { result.emplace(f()); };
        Call<decltype(store)> call{&store, nullptr};
        if (ErrorData *e = runner(&Call<decltype(store)>::thunk, &call)) throw PgError(e);
        if (call.exception) std::rethrow_exception(call.exception);
        return std::move(*result);
    }
}
}  // namespace detail

// Run f, which calls PostgreSQL functions that may ERROR. Code inside f must
// own nothing but memory from the call's MemoryContext: a longjmp out of a
// PostgreSQL call skips the destructors of f's own locals.
template <class F>
auto guard(F &&f) {
    return detail::run(std::forward<F>(f), &detail::run_guarded);
}

// Run f in a subtransaction; a PostgreSQL ERROR rolls it back and is thrown
// as PgError, leaving the transaction usable.
template <class F>
auto in_subtransaction(F &&f) {
    return detail::run(std::forward<F>(f), &detail::run_in_subtransaction);
}

// Raise whatever the current C++ exception is as a PostgreSQL ERROR. Call it
// only after leaving every catch block (see barrier()).
struct PendingError {
    ErrorData *pg = nullptr;
    int sqlerrcode = 0;
    char *message = nullptr;
    char *detail = nullptr;
    char *hint = nullptr;
};
PendingError capture_current_exception() noexcept;
[[noreturn]] void raise(PendingError &pending);

// The exception barrier around every SQL-callable entry point.
template <class F>
Datum barrier(F &&f) {
    PendingError pending;
    try {
        return f();
    } catch (...) {
        pending = capture_current_exception();
    }
    // The exception object and every C++ frame below are gone: longjmp is safe.
    raise(pending);
}

}  // namespace selegic::pg
