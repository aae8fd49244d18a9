// SQL entry points of the repair: selegic_resync(field_id, dry_run),
// selegic_resync_entity(entity_id, dry_run), selegic_resync_all(dry_run).
// The statements come from the same drift rows selegic_drift() reports, so a
// row's fix and what a repair runs can never differ.
#include "core/drift.hpp"
#include "pg/drift_engine.hpp"
#include "pg/capture/log_writer.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/repair_executor.hpp"
#include "pg/sql_values.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(selegic_resync);
PG_FUNCTION_INFO_V1(selegic_resync_entity);
PG_FUNCTION_INFO_V1(selegic_resync_all);
}

namespace selegic {
namespace {

enum class Scope { Field, Entity, All };

void emit_lines(FunctionCallInfo fcinfo, const core::Vector<core::String> &lines) {
    pg::guard([&] {
        // SETOF text: the caller's one-column descriptor is the row type.
        InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
        auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        for (const core::String &line : lines) {
            Datum value;
            bool isnull;
            pg::set_text(value, isnull, line);
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
        }
    });
}

Datum resync(FunctionCallInfo fcinfo, Scope scope) {
    pg::CallMemory memory("selegic_resync");
    int dry_run_arg = scope == Scope::All ? 0 : 1;
    // NULL arguments (an id, or dry_run itself) return nothing and change nothing.
    if (PG_ARGISNULL(dry_run_arg) || (scope != Scope::All && PG_ARGISNULL(0))) {
        emit_lines(fcinfo, {});
        return (Datum)0;
    }
    bool dry_run = PG_GETARG_BOOL(dry_run_arg);

    std::optional<core::Uuid> field_id, entity_id;
    if (scope == Scope::Field) {
        field_id = pg::uuid_from_datum(PG_GETARG_DATUM(0));
        entity_id = pg::read_field_entity(*field_id);
    } else if (scope == Scope::Entity) {
        entity_id = pg::uuid_from_datum(PG_GETARG_DATUM(0));
    }

    core::Vector<core::DriftRow> rows = pg::current_drift(entity_id);

    if (field_id) {
        // The field's own rows, and its table when that is missing: the
        // column cannot exist without it.
        core::Vector<core::DriftRow> mine;
        for (core::DriftRow &row : rows)
            if (row.field_id == field_id || row.kind == core::Kind::MissingTable)
                mine.push_back(std::move(row));
        rows = std::move(mine);
    }
    core::Vector<core::Statement> plan = core::plan_repair(rows);  // without waived rows
    core::Vector<core::String> script = pg::run_repair(plan, dry_run);
    if (dry_run) pg::append_waived(rows, script);
    if (!dry_run && !plan.empty()) {
        // What was repaired is no longer drift: close its manual log rows.
        core::Vector<core::Uuid> fields, entities;
        for (const core::DriftRow &row : rows) {
            if (row.repair.empty() || row.waived_until) continue;
            if (row.field_id)
                fields.push_back(*row.field_id);
            else if (row.entity_id)
                entities.push_back(*row.entity_id);
        }
        const char *how = scope == Scope::Field    ? "repaired by selegic_resync()"
                          : scope == Scope::Entity ? "repaired by selegic_resync_entity()"
                                                   : "repaired by selegic_resync_all()";
        pg::resolve_log_rows(fields, entities, how);
    }
    emit_lines(fcinfo, script);
    return (Datum)0;
}

}  // namespace
}  // namespace selegic

extern "C" Datum selegic_resync(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] { return selegic::resync(fcinfo, selegic::Scope::Field); });
}

extern "C" Datum selegic_resync_entity(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] { return selegic::resync(fcinfo, selegic::Scope::Entity); });
}

extern "C" Datum selegic_resync_all(PG_FUNCTION_ARGS) {
    return selegic::pg::barrier([&] { return selegic::resync(fcinfo, selegic::Scope::All); });
}
