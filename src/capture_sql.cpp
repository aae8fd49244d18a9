// SQL entry points of the drift log: the event trigger functions, the trigger
// that tells every backend the metadata changed, and selegic_api_execute().
#include "core/types.hpp"
#include "pg/capture/api_origin.hpp"
#include "pg/capture/capture.hpp"
#include "pg/capture/managed_cache.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/inval.h"

PG_FUNCTION_INFO_V1(selegic_capture_ddl_command_end);
PG_FUNCTION_INFO_V1(selegic_capture_sql_drop);
PG_FUNCTION_INFO_V1(selegic_capture_table_rewrite);
PG_FUNCTION_INFO_V1(selegic_metadata_changed);
PG_FUNCTION_INFO_V1(selegic_api_execute);
}

namespace selegic {
namespace {

EventTriggerData *event_trigger_data(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        throw core::Error(core::sqlstate::event_trigger_protocol_violated, "function can only be called as an event trigger");
    return reinterpret_cast<EventTriggerData *>(fcinfo->context);
}

// No allocation before the capture has decided the DDL is worth recording:
// its own call memory is made only then.
template <class Capture>
Datum on_event(FunctionCallInfo fcinfo, Capture capture) {
    return pg::barrier([&] {
        capture(event_trigger_data(fcinfo));
        return (Datum)0;
    });
}

}  // namespace
}  // namespace selegic

extern "C" Datum selegic_capture_ddl_command_end(PG_FUNCTION_ARGS) {
    return selegic::on_event(fcinfo, selegic::pg::capture_ddl_command_end);
}

extern "C" Datum selegic_capture_sql_drop(PG_FUNCTION_ARGS) {
    return selegic::on_event(fcinfo, selegic::pg::capture_sql_drop);
}

extern "C" Datum selegic_capture_table_rewrite(PG_FUNCTION_ARGS) {
    return selegic::on_event(fcinfo, selegic::pg::capture_table_rewrite);
}

// Statement trigger on selegic.entity and selegic.field: a relcache
// invalidation of the table reaches every backend at commit (and this one at
// once), which drops their cache of managed objects.
extern "C" Datum selegic_metadata_changed(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] {
        if (!CALLED_AS_TRIGGER(fcinfo))
            throw selegic::core::Error(selegic::core::sqlstate::trigger_protocol_violated, "function can only be called as a trigger");
        auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
        selegic::pg::guard(
            [&] { CacheInvalidateRelcacheByRelid(RelationGetRelid(data->tg_relation)); });
        selegic::pg::invalidate_managed_cache();
        return PointerGetDatum(nullptr);
    });
}

// Runs sql as the API: its DDL is logged as 'api' (or not at all), and passes
// selegic.manual_ddl = block. Runs with the caller's rights; EXECUTE is
// granted only to the API's roles.
extern "C" Datum selegic_api_execute(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] {
        if (PG_ARGISNULL(0)) return (Datum)0;
        char *sql = selegic::pg::guard([&] { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        selegic::pg::ApiScope api(selegic::pg::ApiScope::Reach::Whole);
        selegic::pg::guard([&] {
            if (SPI_connect() != SPI_OK_CONNECT)
                ereport(ERROR,
                        (errcode(ERRCODE_INTERNAL_ERROR), errmsg_internal("SPI_connect failed")));
            int rc = SPI_execute(sql, false, 0);
            if (rc < 0)
                ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                                errmsg_internal("SPI_execute failed with code %d", rc)));
            SPI_finish();
        });
        return (Datum)0;
    });
}
