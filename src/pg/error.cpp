#include "pg/error.hpp"

#include <cstring>
#include <new>

#include "core/types.hpp"

namespace selegic::pg {

bool must_propagate(int sqlerrcode, bool own_lock_wait) {
    if (sqlerrcode == err::lock_not_available) return !own_lock_wait;
    // ERRCODE_TO_CATEGORY keeps the first two characters: the class.
    int category = ERRCODE_TO_CATEGORY(sqlerrcode);
    return category == ERRCODE_TO_CATEGORY(ERRCODE_OPERATOR_INTERVENTION) ||  // 57: cancel, shutdown
           category == ERRCODE_TO_CATEGORY(ERRCODE_INSUFFICIENT_RESOURCES) ||  // 53: memory, disk
           category == ERRCODE_TO_CATEGORY(ERRCODE_SYSTEM_ERROR) ||            // 58: I/O
           category == ERRCODE_TO_CATEGORY(ERRCODE_INTERNAL_ERROR);            // XX: internal, corruption
}

// ------------------------------------------------------------------ PgError

PgError::PgError(ErrorData *edata) : box_(new Box{edata, 1}) {}

PgError::PgError(const PgError &other) noexcept : box_(other.box_) {
    ++box_->refs;
}

PgError &PgError::operator=(const PgError &other) noexcept {
    if (box_ != other.box_) {
        drop();
        box_ = other.box_;
        ++box_->refs;
    }
    return *this;
}

PgError::~PgError() {
    drop();
}

void PgError::drop() noexcept {
    if (--box_->refs > 0) return;
    // pfree of memory this object owns: it cannot fail short of corruption.
    if (box_->edata) FreeErrorData(box_->edata);
    delete box_;
}

const char *PgError::what() const noexcept {
    const ErrorData *e = box_->edata;
    return e && e->message ? e->message : "PostgreSQL error";
}

int PgError::sqlerrcode() const noexcept {
    return box_->edata ? box_->edata->sqlerrcode : err::internal_error;
}

ErrorData *PgError::release() noexcept {
    ErrorData *e = box_->edata;
    box_->edata = nullptr;
    return e;
}

}  // namespace selegic::pg

namespace selegic::pg::detail {

namespace {
int sqlstate_code(const char *s) {
    if (!s || std::strlen(s) != 5) return err::internal_error;
    return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}
}  // namespace

Classified classify(const std::exception_ptr &exception) noexcept {
    Classified c;
    try {
        std::rethrow_exception(exception);
    } catch (const PgError &e) {
        c.pg.emplace(e);  // shares the ErrorData: no PostgreSQL call
    } catch (const std::bad_alloc &) {
        c.bad_alloc = true;
    } catch (const core::Error &e) {
        try {
            c.sqlerrcode = sqlstate_code(e.sqlstate());
            c.message = e.what();
            c.detail = e.detail();
            c.hint = e.hint();
        } catch (...) {
            c.bad_alloc = true;
        }
    } catch (const std::exception &e) {
        try {
            c.sqlerrcode = err::internal_error;
            c.message = e.what();
        } catch (...) {
            c.bad_alloc = true;
        }
    } catch (...) {
        c.sqlerrcode = err::internal_error;
    }
    if (!c.pg && !c.bad_alloc && c.message.empty()) {
        try {
            c.message = "unexpected C++ exception in selegic_drift";
        } catch (...) {
            c.bad_alloc = true;
        }
    }
    return c;
}

}  // namespace selegic::pg::detail
