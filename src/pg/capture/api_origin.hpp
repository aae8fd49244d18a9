// Who counts as the Selegic API, whose DDL is not manual drift.
#pragma once

#include "pg/postgres.hpp"

namespace selegic::pg {

// Settings (defined in module.cpp).
extern bool log_api_ddl;
extern char *api_roles;

// While an ApiScope is open, DDL in this backend is the API's.
//  - Whole: every statement, however nested (selegic_api_execute runs the
//    API's own SQL).
//  - StatementsOnly: only the statements the scope's owner runs itself, one
//    utility level below it; DDL that user code runs from inside them (a
//    function in a default evaluated by ADD COLUMN) is not the API's. The
//    repairs use this.
class ApiScope {
public:
    enum class Reach { Whole, StatementsOnly };
    explicit ApiScope(Reach reach);
    ~ApiScope();
    ApiScope(const ApiScope &) = delete;
    ApiScope &operator=(const ApiScope &) = delete;

    static bool active();
    // After an ERROR skipped the destructor: transaction end resets.
    static void reset();

private:
    int previous_depth_;
    Reach previous_reach_;
};

// True when the session's DDL is the API's: an open ApiScope, or a session
// user that is a member (by GRANT; superuser alone does not count) of a role
// in selegic.api_roles. May ERROR (role lookups).
bool session_is_api();

// Counts utility statement nesting, which ApiScope::StatementsOnly needs.
void install_utility_depth_hook();
// Utility statements entered and not yet left (since the hook was installed):
// the events of one statement all see the same depth.
int current_utility_depth();

}  // namespace selegic::pg
