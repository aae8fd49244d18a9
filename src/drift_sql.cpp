// SQL entry point: selegic_drift(entity_id uuid DEFAULT NULL).
#include "core/managed.hpp"
#include "pg/counters.hpp"
#include "pg/drift_cache.hpp"
#include "pg/drift_engine.hpp"
#include "pg/guc.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/sql_values.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(selegic_drift);
PG_FUNCTION_INFO_V1(selegic_forbidden_schema);
}

namespace selegic {
namespace {

std::string describe(const core::DriftRow &r) {
    auto text = [](const std::optional<core::String> &s) {
        return s ? std::string(s->c_str()) : std::string("NULL");
    };
    return std::string(core::kind_name(r.kind)) + " " + r.object.c_str() + " expected " +
           text(r.expected) + " actual " + text(r.actual) + " fix " + text(r.fix_text());
}

bool same_row(const core::DriftRow &a, const core::DriftRow &b) {
    return a.kind == b.kind && a.entity_id == b.entity_id && a.field_id == b.field_id &&
           a.object == b.object && a.expected == b.expected && a.actual == b.actual &&
           a.fix_text() == b.fix_text() && a.waived_until == b.waived_until;
}

// selegic.drift_cache_verify: the cached answer must be the cold one.
void verify_against_cold(const std::optional<core::Uuid> &only,
                         const core::Vector<core::DriftRow> &warm) {
    core::Vector<core::DriftRow> cold = pg::current_drift(only);
    std::size_t n = std::min(warm.size(), cold.size());
    for (std::size_t i = 0; i <= n; ++i) {
        if (i == n && warm.size() == cold.size()) return;
        if (i < n && same_row(warm[i], cold[i])) continue;
        throw core::Error(core::sqlstate::internal_error,
                          "selegic_drift() from the cache differs from the cold computation",
                          "Row " + std::to_string(i + 1) + ": cache has " +
                              (i < warm.size() ? describe(warm[i]) : "no row") + "; cold has " +
                              (i < cold.size() ? describe(cold[i]) : "no row") + ".");
    }
}

Datum drift(FunctionCallInfo fcinfo) {
    pg::CallMemory memory("selegic_drift");
    std::optional<core::Uuid> only;
    if (!PG_ARGISNULL(0)) only = pg::uuid_from_datum(PG_GETARG_DATUM(0));

    pg::count(pg::Counter::Reports);
    core::Vector<core::DriftRow> rows =
        pg::drift_cache_enabled ? pg::cached_drift(only) : pg::current_drift(only);
    if (pg::drift_cache_enabled && pg::drift_cache_verify) verify_against_cold(only, rows);

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
