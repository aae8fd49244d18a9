// Where C++ and PostgreSQL error handling meet: the one error bridge.
//
// PostgreSQL reports errors with longjmp; C++ with exceptions. Neither may cross
// the other: a longjmp through C++ frames skips destructors, an exception
// through PostgreSQL frames skips its error-stack bookkeeping. So:
//  - guard(f) runs code that calls into PostgreSQL under PG_TRY and turns an
//    ERROR into a PgError exception that owns the whole ErrorData. A guarded
//    error can only propagate: nothing on the way may swallow it.
//  - attempt_in_subtransaction(f) is the only place a PostgreSQL error may be
//    recovered from: f runs in an internal subtransaction that is rolled back
//    whenever f ends in any exception (a PostgreSQL ERROR or a C++ one), and
//    the caller receives the error as a value. Errors that must never be
//    swallowed (cancel, timeouts, shutdown, out of memory, disk full,
//    internal errors, an aborted transaction) are thrown instead.
//  - barrier(f) wraps every SQL-callable entry point: it catches every C++
//    exception and, once no C++ frame or exception object is left, raises it
//    as a PostgreSQL ERROR with the original SQLSTATE, DETAIL and HINT.
// No PostgreSQL function runs inside a C++ catch handler: handlers here only
// copy C++ values; the PostgreSQL work happens after the handler has ended.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "pg/error.hpp"
#include "pg/postgres.hpp"

namespace selegic::pg {

namespace detail {
// Runs the body; false when it ended in a C++ exception (stored by the body).
using Thunk = bool (*)(void *);
// thunk(arg) under PG_TRY; a PostgreSQL ERROR is returned as a copy (and the
// error state cleared), else nullptr.
ErrorData *run_guarded(Thunk thunk, void *arg);
// The same inside an internal subtransaction, released when the body
// returned normally and rolled back otherwise (ERROR or C++ exception).
ErrorData *run_in_subtransaction(Thunk thunk, void *arg);
// An ErrorData for an exception that did not come from PostgreSQL.
ErrorData *make_error_data(int sqlerrcode, const std::string &message, const std::string &detail,
                           const std::string &hint);
// Throws PgError(edata) when it must propagate, or when the transaction can
// no longer be used, or when an interrupt is pending.
void propagate_if_fatal(const PgError &error, bool own_lock_wait);

template <class F>
struct Call {
    F *f;
    std::exception_ptr exception;
    static bool thunk(void *p) {
        auto *self = static_cast<Call *>(p);
        try {
            (*self->f)();
            return true;
        } catch (...) {
            self->exception = std::current_exception();
            return false;
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
// own nothing but memory from PostgreSQL's memory contexts: a longjmp out of
// a PostgreSQL call skips the destructors of f's own locals.
template <class F>
auto guard(F &&f) {
    return detail::run(std::forward<F>(f), &detail::run_guarded);
}

// The outcome of attempt_in_subtransaction: a value, or a recoverable error.
template <class R>
class Attempt {
public:
    explicit Attempt(R value) : state_(std::in_place_index<0>, std::move(value)) {}
    explicit Attempt(PgError error) : state_(std::in_place_index<1>, std::move(error)) {}
    bool ok() const { return state_.index() == 0; }
    R &value() { return std::get<0>(state_); }
    const PgError &error() const { return std::get<1>(state_); }

private:
    std::variant<R, PgError> state_;
};
struct Done {};  // the value of a body that returns nothing

// Run f in a subtransaction. Returns its value, or the error it ended in once
// the subtransaction is rolled back, unless that error must propagate: then
// it is thrown (see must_propagate). A C++ std::bad_alloc is always thrown.
// own_lock_wait: a lock_timeout here is the caller's own bounded wait.
template <class F>
auto attempt_in_subtransaction(F &&f, bool own_lock_wait = false) {
    using R0 = decltype(f());
    using R = std::conditional_t<std::is_void_v<R0>, Done, R0>;
    std::optional<R> result;
    auto body = [&] {
        if constexpr (std::is_void_v<R0>) {
            f();
            result.emplace();
        } else {
            result.emplace(f());
        }
    };
    detail::Call<decltype(body)> call{&body, nullptr};
    ErrorData *edata = detail::run_in_subtransaction(&detail::Call<decltype(body)>::thunk, &call);
    std::optional<PgError> error;
    if (edata) {
        error.emplace(edata);
    } else if (call.exception) {
        detail::Classified c = detail::classify(call.exception);
        if (c.bad_alloc) throw std::bad_alloc();
        if (c.pg)
            error = std::move(c.pg);
        else
            error.emplace(guard([&] {
                return detail::make_error_data(c.sqlerrcode, c.message, c.detail, c.hint);
            }));
    }
    if (error) {
        detail::propagate_if_fatal(*error, own_lock_wait);
        return Attempt<R>(std::move(*error));
    }
    return Attempt<R>(std::move(*result));
}

// Raise whatever the current C++ exception is as a PostgreSQL ERROR. Call it
// only after leaving every catch block (see barrier()).
struct PendingError {
    std::exception_ptr exception;
};
[[noreturn]] void raise(PendingError &pending);

// The exception barrier around every SQL-callable entry point.
template <class F>
Datum barrier(F &&f) {
    PendingError pending;
    try {
        return f();
    } catch (...) {
        pending.exception = std::current_exception();
    }
    // The handler has ended; raise() takes the exception apart without a
    // catch block of its own running PostgreSQL code.
    raise(pending);
}

}  // namespace selegic::pg
