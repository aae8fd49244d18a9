// The guarantee that no code written by another role runs with the rights of
// whoever called selegic_drift(), a repair or a helper.
//
// Two layers. What we evaluate on purpose (constant folding of defaults) is
// limited to PostgreSQL's own functions by construction (see fold.hpp). And
// while a NoUserCode scope is open, function manager hooks refuse to start
// any function that is not PostgreSQL's own and not written in C or
// internal (languages only a superuser can create functions in): that
// covers what PostgreSQL evaluates on its own while parsing (a domain's
// CHECK run by an input function, say).
//
// Where running user code is the point (a repair that adds a column whose
// default is evaluated for each row), OwnerScope runs it as the table's owner
// inside a security-restricted operation, as VACUUM and REINDEX do.
#pragma once

#include "pg/postgres.hpp"

namespace selegic::pg {

class NoUserCode {
public:
    NoUserCode();
    ~NoUserCode();
    NoUserCode(const NoUserCode &) = delete;
    NoUserCode &operator=(const NoUserCode &) = delete;
    static bool active();
    // After an ERROR skipped the destructor: transaction end resets.
    static void reset();
};

// Runs as owner inside a security-restricted operation, with a GUC nest level
// so that settings changed by the owner's code are undone; restores the
// caller's identity on every path (the destructor, and the transaction's end
// for an ERROR that skipped it).
class OwnerScope {
public:
    explicit OwnerScope(Oid owner);
    ~OwnerScope();
    OwnerScope(const OwnerScope &) = delete;
    OwnerScope &operator=(const OwnerScope &) = delete;

private:
    Oid saved_user_;
    int saved_context_;
    int guc_level_;
};

void install_user_code_hooks();

}  // namespace selegic::pg
