// SQL entry point: selegic_drift(entity_id uuid DEFAULT NULL).
#include "core/managed.hpp"
#include "pg/drift_engine.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/sql_values.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(selegic_drift);
PG_FUNCTION_INFO_V1(selegic_forbidden_schema);
}

namespace selegic {
namespace {

Datum drift(FunctionCallInfo fcinfo) {
    pg::CallMemory memory("selegic_drift");
    std::optional<core::Uuid> only;
    if (!PG_ARGISNULL(0)) only = pg::uuid_from_datum(PG_GETARG_DATUM(0));

    core::Vector<core::DriftRow> rows = pg::current_drift(only);

    pg::guard([&] {
        InitMaterializedSRF(fcinfo, 0);
        auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        // Version 1.0 declares seven columns, 1.1 adds waived_until: one
        // symbol serves both, by the shape the calling SQL declares.
        bool with_waivers = rsinfo->setDesc->natts >= 8;
        for (const core::DriftRow &row : rows) {
            Datum values[8];
            bool nulls[8];
            pg::set_text(values[0], nulls[0], core::String(core::kind_name(row.kind)));
            pg::set_uuid(values[1], nulls[1], row.entity_id);
            pg::set_uuid(values[2], nulls[2], row.field_id);
            pg::set_text(values[3], nulls[3], row.object);
            pg::set_text(values[4], nulls[4], row.expected);
            pg::set_text(values[5], nulls[5], row.actual);
            pg::set_text(values[6], nulls[6], row.fix_text());
            if (with_waivers) {
                nulls[7] = !row.waived_until;
                values[7] = row.waived_until ? TimestampTzGetDatum(*row.waived_until) : (Datum)0;
            }
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        }
    });
    return (Datum)0;
}

}  // namespace
}  // namespace selegic

extern "C" Datum selegic_drift(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] { return selegic::drift(fcinfo); });
}

// selegic.forbidden_schema(name): core::forbidden_schema_reason, for SQL.
extern "C" Datum selegic_forbidden_schema(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&]() -> Datum {
        const char *schema = NameStr(*PG_GETARG_NAME(0));
        const char *why = selegic::core::forbidden_schema_reason(schema);
        if (!why) {
            fcinfo->isnull = true;
            return (Datum)0;
        }
        return selegic::pg::guard([&] { return CStringGetTextDatum(why); });
    });
}
