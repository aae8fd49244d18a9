// PostgreSQL errors as C++ values: the exception type that carries one, the
// rule that says which errors may never be swallowed, and how any C++
// exception is taken apart without running PostgreSQL code in a handler.
// Needs nothing of PostgreSQL but its headers and FreeErrorData, so the unit
// tests exercise it without a server.
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "pg/postgres.hpp"

namespace selegic::pg {

// SQLSTATEs the extension raises or tests for, by name.
namespace err {
inline constexpr int query_canceled = ERRCODE_QUERY_CANCELED;      // 57014, also statement_timeout
inline constexpr int lock_not_available = ERRCODE_LOCK_NOT_AVAILABLE;  // 55P03, lock_timeout
inline constexpr int admin_shutdown = ERRCODE_ADMIN_SHUTDOWN;      // 57P01
inline constexpr int out_of_memory = ERRCODE_OUT_OF_MEMORY;        // 53200
inline constexpr int insufficient_privilege = ERRCODE_INSUFFICIENT_PRIVILEGE;  // 42501
inline constexpr int undefined_object = ERRCODE_UNDEFINED_OBJECT;  // 42704
inline constexpr int internal_error = ERRCODE_INTERNAL_ERROR;      // XX000
inline constexpr int event_trigger_protocol_violated =
    ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED;  // 39P03
inline constexpr int trigger_protocol_violated =
    ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED;  // 39P01
}  // namespace err

// Errors nobody may turn into a row, a WARNING or a NULL: interrupts
// (57xxx: cancel, statement_timeout, shutdown), insufficient resources
// (53xxx), system errors (58xxx), internal errors (XXxxx), and a lock not
// granted in time (55P03) unless the caller is waiting on its own lock
// (a repair under selegic.lock_timeout).
bool must_propagate(int sqlerrcode, bool own_lock_wait = false);

// A PostgreSQL ERROR carried as a C++ exception. It owns its ErrorData (in
// the memory context that was current when the guard began) and frees it
// when the last copy goes; copies share it, since C++ requires exception
// types to be copyable.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *edata);
    PgError(const PgError &other) noexcept;
    PgError &operator=(const PgError &other) noexcept;
    ~PgError() override;

    const char *what() const noexcept override;
    int sqlerrcode() const noexcept;
    const ErrorData &data() const noexcept { return *box_->edata; }
    ErrorData &mutable_data() noexcept { return *box_->edata; }
    // Hands the ErrorData over (the barrier re-raises it); this object and
    // its copies no longer free it.
    ErrorData *release() noexcept;

private:
    void drop() noexcept;
    struct Box {
        ErrorData *edata;
        long refs;
    };
    Box *box_;
};

namespace detail {
// What a C++ exception is, copied inside the handler with C++ alone.
struct Classified {
    std::optional<PgError> pg;
    bool bad_alloc = false;
    int sqlerrcode = 0;
    std::string message, detail, hint;
};
Classified classify(const std::exception_ptr &exception) noexcept;
}  // namespace detail

}  // namespace selegic::pg
