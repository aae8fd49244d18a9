#include "pg/capture/api_origin.hpp"

extern "C" {
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/varlena.h"
}

namespace selegic::pg {

namespace {

// Utility statements entered (and not yet left) since the hook was installed.
int utility_depth = 0;
// The open scope: the utility depth it was opened at (-1: none), and its reach.
int scope_depth = -1;
ApiScope::Reach scope_reach = ApiScope::Reach::Whole;
ProcessUtility_hook_type prev_process_utility = nullptr;

void track_utility_depth(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
                         ProcessUtilityContext context, ParamListInfo params,
                         QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *qc) {
    ++utility_depth;
    PG_TRY();
    {
        if (prev_process_utility)
            prev_process_utility(pstmt, query_string, read_only_tree, context, params, query_env,
                                 dest, qc);
        else
            standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env,
                                    dest, qc);
    }
    PG_FINALLY();
    { --utility_depth; }
    PG_END_TRY();
}

}  // namespace

ApiScope::ApiScope(Reach reach) : previous_depth_(scope_depth), previous_reach_(scope_reach) {
    scope_depth = utility_depth;
    scope_reach = reach;
}

ApiScope::~ApiScope() {
    scope_depth = previous_depth_;
    scope_reach = previous_reach_;
}

bool ApiScope::active() {
    if (scope_depth < 0) return false;
    return scope_reach == Reach::Whole || utility_depth == scope_depth + 1;
}

void ApiScope::reset() {
    scope_depth = -1;
    scope_reach = Reach::Whole;
}

bool session_is_api() {
    if (ApiScope::active()) return true;
    if (!api_roles || !*api_roles) return false;
    char *copy = pstrdup(api_roles);
    List *names = NIL;
    bool member = false;
    if (SplitIdentifierString(copy, ',', &names)) {
        ListCell *lc;
        foreach (lc, names) {
            Oid role = get_role_oid(static_cast<char *>(lfirst(lc)), true);
            // Superuser alone does not make the API: a DBA in psql is manual.
            if (OidIsValid(role) && is_member_of_role_nosuper(GetSessionUserId(), role)) {
                member = true;
                break;
            }
        }
    }
    list_free(names);
    pfree(copy);
    return member;
}

int current_utility_depth() {
    return utility_depth;
}

void install_utility_depth_hook() {
    prev_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = track_utility_depth;
}

}  // namespace selegic::pg
