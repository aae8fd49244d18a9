// The comparison behind compute_drift(): one checker per call.
#pragma once

#include "core/drift.hpp"
#include "core/sql_text.hpp"
#include "core/validate.hpp"

namespace selegic::core {

class DriftChecker {
public:
    DriftChecker(const Vector<Entity> &entities, const Catalog &catalog, Resolver &resolver,
                 const DriftOptions &options);
    Vector<DriftRow> run();

private:
    DriftRow &add_row(Kind kind, const Entity &e, const Field *f, String object);
    bool wanted(const Uuid &entity) const;

    // compare.cpp: entities, tables and the rows themselves
    void check_entity(const Entity &e);
    static bool is_field_column(const Entity &e, const String &column);
    void report_orphan(const OrphanField &f);
    void report_renamed(const Entity &e, const Field &f, const Column &col);
    void report_missing_table(const Entity &e, const Vector<FieldPlan> &plans);
    void report_missing_column(const Entity &e, const Table &t, const FieldPlan &p);
    void report_unmanaged_tables();
    void sort_rows();

    // compare_columns.cpp: keys and columns
    void check_primary_key(const Entity &e, const Table &t);
    // Why a foreign key to target's primary key could not be added, or nullopt.
    std::optional<String> target_key_problem(const Entity &target);
    void check_column(const Entity &e, const Table &t, const FieldPlan &p, const Column &col);
    void check_type(const Entity &e, const Table &t, const FieldPlan &p, const Column &col);
    void check_nullability(const Entity &e, const Table &t, const FieldPlan &p,
                           const Column &col);
    void check_default(const Entity &e, const FieldPlan &p, const Column &col);
    void check_unique(const Entity &e, const Table &t, const FieldPlan &p, const Column &col);
    void check_foreign_keys(const Entity &e, const Table &t, const FieldPlan &p,
                            const Column &col);
    FkDefinition actual_fk(const Table &t, const ForeignKey &fk);
    // Why this column's type cannot change in place, or nullopt.
    std::optional<String> type_block(const Table &t, const Column &col);

    const Vector<Entity> &entities_;
    const Catalog &catalog_;
    Resolver &r_;
    SqlText sql_;
    Validator validator_;
    const DriftOptions &options_;
    Vector<DriftRow> rows_;
};

}  // namespace selegic::core
