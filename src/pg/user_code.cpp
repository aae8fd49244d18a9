#include "pg/user_code.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/transam.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "utils/guc.h"
#include "utils/regproc.h"
}

namespace selegic::pg {

namespace {

int no_user_code_depth = 0;
needs_fmgr_hook_type prev_needs_fmgr_hook = nullptr;
fmgr_hook_type prev_fmgr_hook = nullptr;

// Functions PostgreSQL ships (below FirstNormalObjectId) never need the
// hook; everything else does while a scope is open, so that the hook below
// sees it start.
bool needs_hook(Oid fn_oid) {
    if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid)) return true;
    return no_user_code_depth > 0 && fn_oid >= FirstNormalObjectId;
}

// C and internal functions can only be created by a superuser: an extension
// type's input function is trusted like the server itself. Everything else
// (SQL, PL/pgSQL, any trusted language) may be any role's code.
bool written_by_anyone(Oid fn_oid) {
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
    if (!HeapTupleIsValid(tup)) return true;
    Oid lang = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tup))->prolang;
    ReleaseSysCache(tup);
    return lang != ClanguageId && lang != INTERNALlanguageId;
}

void on_function(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private_data) {
    if (event == FHET_START && no_user_code_depth > 0 && flinfo->fn_oid >= FirstNormalObjectId &&
        written_by_anyone(flinfo->fn_oid))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("selegic_drift does not run function %s()",
                        quote_qualified_identifier(get_namespace_name(get_func_namespace(flinfo->fn_oid)),
                                                   get_func_name(flinfo->fn_oid))),
                 errdetail("Comparing metadata with the catalog never runs code written by other "
                           "roles with the caller's rights.")));
    if (prev_fmgr_hook) prev_fmgr_hook(event, flinfo, private_data);
}

}  // namespace

NoUserCode::NoUserCode() {
    ++no_user_code_depth;
}
NoUserCode::~NoUserCode() {
    if (no_user_code_depth > 0) --no_user_code_depth;
}
bool NoUserCode::active() {
    return no_user_code_depth > 0;
}
void NoUserCode::reset() {
    no_user_code_depth = 0;
}

OwnerScope::OwnerScope(Oid owner) {
    guard([&] {
        GetUserIdAndSecContext(&saved_user_, &saved_context_);
        // As vacuum.c: the owner's identity, no SET ROLE, no temp objects,
        // and settings changed in here undone when we leave.
        SetUserIdAndSecContext(owner, saved_context_ | SECURITY_RESTRICTED_OPERATION);
        guc_level_ = NewGUCNestLevel();
    });
}

OwnerScope::~OwnerScope() {
    // Neither call can fail; the transaction's end would restore both anyway.
    AtEOXact_GUC(false, guc_level_);
    SetUserIdAndSecContext(saved_user_, saved_context_);
}

void install_user_code_hooks() {
    prev_needs_fmgr_hook = needs_fmgr_hook;
    prev_fmgr_hook = fmgr_hook;
    needs_fmgr_hook = needs_hook;
    fmgr_hook = on_function;
}

}  // namespace selegic::pg
