// The comparison: walks the metadata entity by entity and field by field,
// compares with the catalog, and plans the repair of each difference as it is
// found. Differences PostgreSQL cannot repair in place (an inherited column,
// a partition, a partitioned table's keys, a column a view uses, ...) get no
// fix and say why in `actual`, so the rest of a repair can go ahead.
#include <algorithm>
#include <tuple>

#include "core/compare.hpp"
#include "core/sql_text.hpp"
#include "core/validate.hpp"
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

namespace {

const char *relkind_description(char relkind) {
    switch (relkind) {
        case 'r':
            return "table";
        case 'p':
            return "partitioned table";
        case 'v':
            return "view";
        case 'm':
            return "materialized view";
        case 'S':
            return "sequence";
        case 'i':
        case 'I':
            return "index";
        case 'f':
            return "foreign table";
        case 'c':
            return "composite type";
        default:
            return "relation";
    }
}


// What stands in the way of a column's change, before PostgreSQL says so.
const char *structural_block(const Table &t) {
    if (t.is_partition) return "the table is a partition; change the partitioned table instead";
    if (t.typed) return "the table is a typed table; its columns come from its type";
    return nullptr;
}

}  // namespace

DriftChecker::DriftChecker(const Vector<Entity> &entities, const Catalog &catalog,
                           Resolver &resolver, const DriftOptions &options)
    : entities_(entities),
      catalog_(catalog),
      r_(resolver),
      sql_(resolver),
      validator_(entities, resolver, catalog.uuid_type),
      options_(options) {}

bool DriftChecker::wanted(const Uuid &entity) const {
    if (options_.only_entity && *options_.only_entity != entity) return false;
    if (options_.only_entities &&
        options_.only_entities->find(entity) == options_.only_entities->end())
        return false;
    return true;
}

Vector<DriftRow> DriftChecker::run() {
    if (options_.check_entities)
        for (const Entity &e : entities_)
            if (e.checked && wanted(e.id)) check_entity(e);
    if (options_.orphans)
        for (const OrphanField &f : *options_.orphans)
            if (wanted(f.entity_id)) report_orphan(f);
    if (catalog_.complete && options_.report_unmanaged && !options_.only_entity &&
        !options_.only_entities)
        report_unmanaged_tables();
    sort_rows();
    return std::move(rows_);
}

DriftRow &DriftChecker::add_row(Kind kind, const Entity &e, const Field *f, String object) {
    DriftRow row{kind, e.id, std::nullopt, std::move(object), {}, {}, {}, {}};
    if (f) row.field_id = f->id;
    rows_.push_back(std::move(row));
    return rows_.back();
}

// ------------------------------------------------------------------ entity

void DriftChecker::check_entity(const Entity &e) {
    if (auto problem = entity_problem(e)) {
        DriftRow &row = add_row(Kind::InvalidMetadata, e, nullptr, sql_.qualified(e));
        row.expected = std::move(problem->value);
        row.actual = std::move(problem->reason);
        return;
    }
    // Resolve every field first: invalid ones are reported whatever the table's state.
    Vector<FieldPlan> plans;
    plans.reserve(e.fields.size());
    for (const Field &f : e.fields) {
        Vector<Problem> problems;
        plans.push_back(validator_.plan_field(e, f, problems));
        for (Problem &p : problems) {
            DriftRow &row =
                add_row(Kind::InvalidMetadata, e, &f, sql_.column_object(e, f.column_name));
            row.expected = std::move(p.value);
            row.actual = std::move(p.reason);
        }
    }

    const Table *table = catalog_.find(e.schema_name, e.table_name);
    if (!table) {
        report_missing_table(e, plans);
        return;
    }
    if (!table->is_table()) {
        DriftRow &row = add_row(Kind::MissingTable, e, nullptr, sql_.qualified(e));
        row.expected = String("table");
        row.actual = String(relkind_description(table->relkind));
        return;  // a human must move the other object away first
    }

    check_primary_key(e, *table);

    Vector<bool> described(table->columns.size(), false);
    std::size_t hint = 0;
    for (const FieldPlan &p : plans) {
        if (!p.usable) continue;
        const Column *col = table->column(p.field->column_name, hint);
        if (!col) {
            if (auto now = follow_renames(e.id, p.field->column_name, catalog_.renames))
                if ((col = table->column(*now))) report_renamed(e, *p.field, *col);
        }
        if (!col) {
            report_missing_column(e, *table, p);
            continue;
        }
        described[static_cast<std::size_t>(col - table->columns.data())] = true;
        check_column(e, *table, p, *col);
    }
    for (std::size_t i = 0; i < table->columns.size(); ++i) {
        const Column &col = table->columns[i];
        if (described[i] || col.name == e.primary_key) continue;
        if (is_field_column(e, col.name)) continue;  // described by an invalid field
        DriftRow &row = add_row(Kind::ExtraColumn, e, nullptr, sql_.column_object(e, col.name));
        row.actual = sql_.column_definition(col.type, col.not_null, col.default_text);
    }
}

bool DriftChecker::is_field_column(const Entity &e, const String &column) {
    for (const Field &f : e.fields)
        if (f.column_name == column) return true;
    return false;
}

void DriftChecker::report_orphan(const OrphanField &f) {
    DriftRow row{Kind::InvalidMetadata, f.entity_id, f.id, sql_.ident(f.column_name), {}, {}, {}, {}};
    row.expected = f.entity_id.to_string();
    row.actual = String("the field's entity does not exist in selegic.entity");
    rows_.push_back(std::move(row));
}

void DriftChecker::report_renamed(const Entity &e, const Field &f, const Column &col) {
    DriftRow &row = add_row(Kind::RenamedColumn, e, &f, sql_.column_object(e, f.column_name));
    row.expected = sql_.ident(f.column_name);
    if (col.inherited) {
        row.actual = sql_.ident(col.name) +
                     String(" (inherited from a parent table: rename it there)");
        return;
    }
    row.actual = sql_.ident(col.name);
    // Renaming back keeps every value; the other checks of the column
    // already use the field's name, which the rename restores first.
    row.repair.push_back(sql_.statement(Phase::Column, e,
                                        sql_.alter_table(e) + "RENAME COLUMN " +
                                            sql_.ident(col.name) + " TO " +
                                            sql_.ident(f.column_name)));
}

void DriftChecker::report_missing_table(const Entity &e, const Vector<FieldPlan> &plans) {
    DriftRow &row = add_row(Kind::MissingTable, e, nullptr, sql_.qualified(e));
    row.expected = String("table");
    if (auto type = r_.type_holding_name(e.schema_name, e.table_name)) {
        row.actual = *type;  // CREATE TABLE would fail: its row type needs the name
        return;
    }
    if (catalog_.schemas.find(e.schema_name) == catalog_.schemas.end())
        row.repair.push_back(sql_.statement(
            Phase::Schema, e, "CREATE SCHEMA IF NOT EXISTS " + sql_.ident(e.schema_name)));
    // Columns in name order, so the statement is the same run after run.
    Vector<const FieldPlan *> ordered;
    for (const FieldPlan &p : plans)
        if (p.usable) ordered.push_back(&p);
    std::sort(ordered.begin(), ordered.end(), [](const FieldPlan *a, const FieldPlan *b) {
        return a->field->column_name < b->field->column_name;
    });
    String create = "CREATE TABLE " + sql_.qualified(e) + " (" + sql_.ident(e.primary_key) +
                    " uuid PRIMARY KEY";
    for (const FieldPlan *p : ordered)
        create += ", " + sql_.ident(p->field->column_name) + ' ' +
                  sql_.field_definition(e, *p, true);
    create += ')';
    row.repair.push_back(sql_.statement(Phase::Table, e, std::move(create)));
    for (const FieldPlan *p : ordered)
        if (p->target && !target_key_problem(*p->target)) sql_.add_fkey_statements(e, *p, row.repair);
}

void DriftChecker::report_missing_column(const Entity &e, const Table &t, const FieldPlan &p) {
    DriftRow &row =
        add_row(Kind::MissingColumn, e, p.field, sql_.column_object(e, p.field->column_name));
    String expected = sql_.field_definition(e, p, false);
    if (p.field->is_unique) expected += " UNIQUE";
    if (p.target) {
        expected += " REFERENCES " + sql_.qualified(*p.target) + '(' +
                    sql_.ident(p.target->primary_key) + ')';
        if (p.on_delete != OnDelete::NoAction) {
            expected += " ON DELETE ";
            expected += on_delete_sql(p.on_delete);
        }
    }
    row.expected = std::move(expected);
    if (const char *why = structural_block(t)) {
        row.actual = String(why);
        return;
    }
    String column_sql = sql_.ident(p.field->column_name);
    std::optional<Precheck> check;
    if (!p.field->is_nullable && p.default_id == 0) check = sql_.empty_table_check(e, column_sql);
    // A partitioned table's unique constraint must include its partition key,
    // which a new column cannot be: the column comes without it, and the next
    // report says why as a unique_mismatch.
    bool with_unique = !t.is_partitioned();
    row.repair.push_back(sql_.statement(Phase::Column, e,
                                        sql_.alter_table(e) + "ADD COLUMN " + column_sql + ' ' +
                                            sql_.field_definition(e, p, with_unique),
                                        std::move(check)));
    if (p.target && !target_key_problem(*p.target)) sql_.add_fkey_statements(e, p, row.repair);
}

// ------------------------------------------------------------------ rows

void DriftChecker::report_unmanaged_tables() {
    FlatSet<String> managed_schemas;
    {
        Vector<String> names;
        for (const Entity &e : entities_)
            if (!entity_problem(e)) names.push_back(e.schema_name);
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        managed_schemas.adopt_sequence(boost::container::ordered_unique_range, std::move(names));
    }
    // Sorted once, searched per table (building a flat set by insertion
    // would be quadratic in the number of entities).
    using Name = std::pair<std::string_view, std::string_view>;
    Vector<Name> named;
    named.reserve(entities_.size());
    for (const Entity &e : entities_) named.emplace_back(e.schema_name, e.table_name);
    std::sort(named.begin(), named.end());

    for (const Table &t : catalog_.tables) {
        if (!t.is_table() || t.is_partition) continue;
        if (managed_schemas.find(t.schema_name) == managed_schemas.end()) continue;
        if (std::binary_search(named.begin(), named.end(), Name(t.schema_name, t.name))) continue;
        DriftRow row{Kind::UnmanagedTable, std::nullopt, std::nullopt,
                     sql_.qualified(t.schema_name, t.name), {},
                     String(relkind_description(t.relkind)), {}, {}};
        rows_.push_back(std::move(row));
    }
}

void DriftChecker::sort_rows() {
    sort_drift_rows(rows_);
}

}  // namespace selegic::core
