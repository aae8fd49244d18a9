// Module load: settings and the callbacks every feature shares.
#include "pg/capture/api_origin.hpp"
#include "pg/capture/capture.hpp"
#include "pg/capture/managed_cache.hpp"
#include "pg/counters.hpp"
#include "pg/drift_cache.hpp"
#include "pg/guc.hpp"
#include "pg/user_code.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/varlena.h"

PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace selegic::pg {

int lock_timeout_ms = 5000;
bool log_api_ddl = false;
int manual_ddl = static_cast<int>(ManualDdl::Log);
char *api_roles = nullptr;
bool capture_enabled = true;
bool drift_cache_enabled = true;
bool drift_cache_verify = false;

namespace {

const struct config_enum_entry manual_ddl_options[] = {
    {"log", static_cast<int>(ManualDdl::Log), false},
    {"warn", static_cast<int>(ManualDdl::Warn), false},
    {"block", static_cast<int>(ManualDdl::Block), false},
    {nullptr, 0, false},
};

bool check_api_roles(char **newval, void **, GucSource) {
    char *copy = pstrdup(*newval);
    List *names = NIL;
    bool ok = SplitIdentifierString(copy, ',', &names);
    list_free(names);
    pfree(copy);
    if (!ok) GUC_check_errdetail("List syntax is invalid.");
    return ok;
}

// An ERROR can skip ApiScope's destructor; the transaction's end cannot.
void on_transaction_end(XactEvent event, void *) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
        event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PREPARE) {
        ApiScope::reset();
        NoUserCode::reset();
    }
}

}  // namespace
}  // namespace selegic::pg

extern "C" void _PG_init(void) {
    using namespace selegic::pg;
    DefineCustomIntVariable(
        "selegic.lock_timeout", "How long a repair waits for a lock on a table before it gives up.",
        "The repair functions set lock_timeout to this while they run, so a repair "
        "never queues behind a long transaction and blocks everyone behind it.",
        &lock_timeout_ms, 5000, 1, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "selegic.api_roles",
        "Roles whose sessions are the Selegic API: their DDL is not manual drift.",
        "A comma-separated list of role names. A session counts as the API when its "
        "session user is a member (by GRANT) of one of them; superuser status alone "
        "does not count.",
        &api_roles, "", PGC_SUSET, GUC_LIST_INPUT, check_api_roles, nullptr, nullptr);
    DefineCustomBoolVariable("selegic.log_api_ddl",
                             "Also record DDL made by the Selegic API in selegic.drift_log.",
                             nullptr, &log_api_ddl, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomEnumVariable(
        "selegic.manual_ddl", "What to do with DDL on managed objects made outside the API.",
        "log records it; warn also sends the client a WARNING; block refuses it.", &manual_ddl,
        static_cast<int>(ManualDdl::Log), manual_ddl_options, PGC_SUSET, 0, nullptr, nullptr,
        nullptr);
    DefineCustomBoolVariable(
        "selegic.capture", "Whether the event triggers record DDL in this session.",
        "off makes them do nothing at all: no row, no NOTIFY, no warning, no refusal. For "
        "restores: PGOPTIONS='-c selegic.capture=off' pg_restore ...",
        &capture_enabled, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "selegic.drift_cache", "Whether selegic_drift() may reuse what this backend computed.",
        "on recomputes only the entities whose tables, types, schemas or metadata changed "
        "since; off recomputes everything. Results are the same either way.",
        &drift_cache_enabled, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "selegic.drift_cache_verify",
        "Check every selegic_drift() answered from the cache against one computed cold.",
        "A testing aid: a difference raises an internal error naming the first differing row. "
        "It doubles the cost of each call.",
        &drift_cache_verify, false, PGC_USERSET, GUC_NOT_IN_SAMPLE, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("selegic");
    register_managed_cache_invalidation();
    register_drift_cache_invalidation();
    install_user_code_hooks();
    install_utility_depth_hook();
    register_capture_callbacks();
    request_counters();
    RegisterXactCallback(on_transaction_end, nullptr);
}
