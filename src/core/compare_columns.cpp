// The comparison of keys and columns (see compare.cpp for entities and tables).
#include <algorithm>

#include "core/compare.hpp"
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

namespace {

bool contains(const Vector<std::int16_t> &v, std::int16_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

bool only(const Vector<std::int16_t> &v, std::int16_t x) {
    return v.size() == 1 && v[0] == x;
}

// Fix NULL, and the reason after what is there (or alone when nothing is).
void unfixable(DriftRow &row, std::string_view reason) {
    row.repair.clear();
    if (row.actual) {
        *row.actual += "; ";
        row.actual->append(reason.data(), reason.size());
    } else {
        row.actual = to_string(reason);
    }
}

constexpr std::string_view kPartitionedUnique =
    "a unique constraint on a partitioned table must include its partition key";

}  // namespace

// ------------------------------------------------------------------ keys

void DriftChecker::check_primary_key(const Entity &e, const Table &t) {
    const Column *pk = t.column(e.primary_key);
    String pk_sql = sql_.ident(e.primary_key);
    if (pk && pk->type != catalog_.uuid_type) {
        // The entity's key column is uuid by definition; no field describes it.
        DriftRow &row =
            add_row(Kind::TypeMismatch, e, nullptr, sql_.column_object(e, e.primary_key));
        row.expected = r_.type_sql(catalog_.uuid_type);
        row.actual = r_.type_sql(pk->type);
        if (!r_.explicit_cast(pk->type, catalog_.uuid_type)) {
            unfixable(row, "there is no cast from " + r_.type_sql(pk->type) + " to uuid");
        } else if (auto why = type_block(t, *pk)) {
            unfixable(row, *why);
        } else {
            row.repair.push_back(sql_.statement(
                Phase::ColumnType, e,
                sql_.alter_table(e) + sql_.type_change(pk_sql, pk->type, catalog_.uuid_type),
                sql_.cast_check(e, e.primary_key, pk->type, catalog_.uuid_type)));
        }
    }
    if (pk && only(t.primary_key, pk->attnum)) return;

    DriftRow &row = add_row(Kind::MissingPrimaryKey, e, nullptr, sql_.qualified(e));
    row.expected = "PRIMARY KEY (" + pk_sql + ")";
    if (!t.primary_key.empty()) {
        // Another key is in place; replacing it could break what depends on it.
        String actual("PRIMARY KEY (");
        for (std::size_t i = 0; i < t.primary_key.size(); ++i) {
            if (i) actual += ", ";
            const Column *c = t.column(t.primary_key[i]);
            actual += c ? sql_.ident(c->name) : String("?");
        }
        actual += ')';
        row.actual = std::move(actual);
        return;
    }
    if (t.is_partitioned() && !(pk && only(t.partition_key, pk->attnum))) {
        unfixable(row, "a primary key on a partitioned table must include its partition key");
        return;
    }
    if (pk) {
        row.repair.push_back(sql_.statement(Phase::Constraint, e,
                                            sql_.alter_table(e) + "ADD PRIMARY KEY (" + pk_sql +
                                                ")",
                                            sql_.primary_key_check(e, pk_sql)));
        return;
    }
    if (t.is_partition || t.typed) {
        unfixable(row, t.is_partition ? "the primary key column is missing, and a partition "
                                        "cannot have columns of its own"
                                      : "the primary key column is missing, and a typed table "
                                        "takes its columns from its type");
        return;
    }
    // Existing rows get fresh keys, as Selegic would give new records.
    row.repair.push_back(sql_.statement(Phase::Constraint, e,
                                        sql_.alter_table(e) + "ADD COLUMN " + pk_sql +
                                            " uuid DEFAULT pg_catalog.gen_random_uuid() "
                                            "PRIMARY KEY"));
}

std::optional<String> DriftChecker::target_key_problem(const Entity &target) {
    String name = sql_.qualified(target);
    const Table *t = catalog_.find(target.schema_name, target.table_name);
    if (!t) {
        if (r_.type_holding_name(target.schema_name, target.table_name))
            return "the referenced table " + name + " cannot be created";
        return std::nullopt;  // the repair creates it, with its primary key
    }
    if (!t->is_table()) return "the referenced entity's name " + name + " is not a table";
    const Column *pk = t->column(target.primary_key);
    String pk_name = sql_.ident(target.primary_key);
    if (!t->primary_key.empty() && !(pk && only(t->primary_key, pk->attnum)))
        return "the referenced table " + name + " has its primary key on other columns";
    if (!pk) {
        if (t->is_partitioned() || t->is_partition || t->typed)
            return "the referenced table " + name + " has no column " + pk_name;
        return std::nullopt;  // added with its key
    }
    if (pk->type != catalog_.uuid_type &&
        (!r_.explicit_cast(pk->type, catalog_.uuid_type) || type_block(*t, *pk)))
        return "the primary key " + pk_name + " of " + name + " is not uuid and cannot become it";
    if (t->primary_key.empty() && t->is_partitioned() && !only(t->partition_key, pk->attnum))
        return "the referenced table " + name + " has no primary key on " + pk_name;
    return std::nullopt;
}

// ------------------------------------------------------------------ columns

std::optional<String> DriftChecker::type_block(const Table &t, const Column &col) {
    if (t.is_partition)
        return String("the table is a partition; change the partitioned table instead");
    if (t.typed) return String("the table is a typed table; its columns come from its type");
    if (col.inherited)
        return String("the column is inherited from a parent table; change it there");
    if (contains(t.partition_key, col.attnum))
        return String("the column is part of the partition key");
    return r_.type_change_blocker(t.relid, col.attnum);
}

void DriftChecker::check_column(const Entity &e, const Table &t, const FieldPlan &p,
                                const Column &col) {
    check_type(e, t, p, col);
    check_nullability(e, t, p, col);
    check_default(e, p, col);
    check_unique(e, t, p, col);
    check_foreign_keys(e, t, p, col);
}

void DriftChecker::check_type(const Entity &e, const Table &t, const FieldPlan &p,
                              const Column &col) {
    if (col.type == p.type) return;
    const Field &f = *p.field;
    String column_sql = sql_.ident(f.column_name);
    DriftRow &row = add_row(Kind::TypeMismatch, e, &f, sql_.column_object(e, f.column_name));
    row.expected = r_.type_sql(p.type);
    row.actual = r_.type_sql(col.type);
    if (!r_.explicit_cast(col.type, p.type)) {
        unfixable(row, "there is no cast from " + *row.actual + " to " + *row.expected);
        return;
    }
    if (auto why = type_block(t, col)) {
        unfixable(row, *why);
        return;
    }
    // A default that cannot follow the new type would stop ALTER TYPE: take
    // it off first and put the metadata's default back after. (One that
    // converts on assignment always follows.)
    bool move_default =
        col.default_id != 0 && p.default_ok && !r_.assignment_cast(col.type, p.type);
    String s = sql_.alter_table(e);
    if (move_default) s += "ALTER COLUMN " + column_sql + " DROP DEFAULT, ";
    s += sql_.type_change(column_sql, col.type, p.type);
    if (move_default && p.default_id)
        s += ", ALTER COLUMN " + column_sql + " SET DEFAULT " + r_.default_sql(p.default_text);
    row.repair.push_back(sql_.statement(Phase::ColumnType, e, std::move(s),
                                        sql_.cast_check(e, f.column_name, col.type, p.type)));
}

void DriftChecker::check_nullability(const Entity &e, const Table &t, const FieldPlan &p,
                                     const Column &col) {
    const Field &f = *p.field;
    bool want_not_null = !f.is_nullable;
    if (col.not_null == want_not_null) return;
    String column_sql = sql_.ident(f.column_name);
    DriftRow &row = add_row(Kind::NullabilityMismatch, e, &f, sql_.column_object(e, f.column_name));
    row.expected = String(want_not_null ? "NOT NULL" : "NULL");
    row.actual = String(col.not_null ? "NOT NULL" : "NULL");
    if (!want_not_null) {
        std::optional<String> why;
        if (col.identity) why = String("an identity column is always NOT NULL");
        else if (contains(t.primary_key, col.attnum))
            why = String("the column is part of the primary key");
        else
            why = r_.drop_not_null_blocker(t.relid, col.attnum);
        if (why) {
            unfixable(row, *why);
            return;
        }
    }
    std::optional<Precheck> check;
    if (want_not_null) check = sql_.null_check(e, column_sql);
    row.repair.push_back(sql_.statement(
        Phase::ColumnNullability, e,
        sql_.alter_table(e) + "ALTER COLUMN " + column_sql +
            (want_not_null ? " SET NOT NULL" : " DROP NOT NULL"),
        std::move(check)));
}

void DriftChecker::check_default(const Entity &e, const FieldPlan &p, const Column &col) {
    if (!p.default_ok) return;
    const Field &f = *p.field;
    // Compare as the column is typed now: a type repair re-coerces the
    // default, so a type difference alone is not a default difference.
    int comparable = p.default_id;
    if (f.default_expr && col.type != p.type) {
        const ResolvedDefault &d = r_.resolve_default(e.schema_name, *f.default_expr, col.type);
        if (d.ok) comparable = d.id;
    }
    if (comparable == col.default_id) return;
    DriftRow &row = add_row(Kind::DefaultMismatch, e, &f, sql_.column_object(e, f.column_name));
    if (p.default_id) row.expected = r_.default_sql(p.default_text);
    if (col.default_id) row.actual = r_.default_sql(col.default_text);
    if (col.generated) {
        unfixable(row, "the column is a generated column");
        return;
    }
    if (col.identity) {
        unfixable(row, "the column is an identity column");
        return;
    }
    String s = sql_.alter_table(e) + "ALTER COLUMN " + sql_.ident(f.column_name);
    if (p.default_id)
        s += " SET DEFAULT " + r_.default_sql(p.default_text);
    else
        s += " DROP DEFAULT";
    row.repair.push_back(sql_.statement(Phase::ColumnDefault, e, std::move(s)));
}

void DriftChecker::check_unique(const Entity &e, const Table &t, const FieldPlan &p,
                                const Column &col) {
    const Field &f = *p.field;
    Vector<const UniqueKey *> keys;
    for (const UniqueKey &u : t.uniques)
        if (u.attnum == col.attnum) keys.push_back(&u);
    if (f.is_unique == !keys.empty()) return;

    DriftRow &row = add_row(Kind::UniqueMismatch, e, &f, sql_.column_object(e, f.column_name));
    String column_sql = sql_.ident(f.column_name);
    if (f.is_unique) {
        row.expected = "UNIQUE (" + column_sql + ")";
        if (t.is_partitioned() && !only(t.partition_key, col.attnum)) {
            unfixable(row, kPartitionedUnique);
            return;
        }
        row.repair.push_back(sql_.statement(Phase::Constraint, e,
                                            sql_.alter_table(e) + "ADD CONSTRAINT " +
                                                sql_.ident(sql_.unique_name(e, f)) + " UNIQUE (" +
                                                column_sql + ")",
                                            sql_.duplicate_check(e, column_sql)));
        return;
    }
    String actual;
    std::optional<String> why;
    for (const UniqueKey *u : keys) {
        if (!actual.empty()) actual += ", ";
        if (u->is_constraint) {
            actual += "UNIQUE (" + column_sql + ")";
            row.repair.push_back(sql_.statement(
                Phase::Constraint, e, sql_.alter_table(e) + "DROP CONSTRAINT " + sql_.ident(u->name)));
        } else {
            actual += "UNIQUE INDEX " + sql_.ident(u->name) + " (" + column_sql + ")";
            row.repair.push_back(sql_.statement(Phase::Constraint, e,
                                                "DROP INDEX " +
                                                    sql_.qualified(e.schema_name, u->name)));
        }
        if (!why && u->inherited)
            why = String("the unique key is inherited from the partitioned table");
        if (!why) why = r_.index_drop_blocker(u->index_relid);
    }
    row.actual = std::move(actual);
    if (why) unfixable(row, *why);
}

FkDefinition DriftChecker::actual_fk(const Table &t, const ForeignKey &fk) {
    auto names = [&](const Vector<std::int16_t> &attnums) {
        Vector<String> out;
        for (std::int16_t a : attnums) {
            const Column *c = t.column(a);
            out.push_back(c ? c->name : String("?"));
        }
        return out;
    };
    FkDefinition d;
    d.columns = names(fk.attnums);
    d.ref_schema = fk.ref_schema;
    d.ref_table = fk.ref_table;
    d.ref_columns = fk.ref_columns;
    d.match = fk.match;
    d.on_update = fk.on_update;
    d.on_delete = fk.on_delete;
    d.delete_set_columns = names(fk.delete_set_columns);
    d.deferrable = fk.deferrable;
    d.deferred = fk.deferred;
    d.validated = fk.validated;
    return d;
}

void DriftChecker::check_foreign_keys(const Entity &e, const Table &t, const FieldPlan &p,
                                      const Column &col) {
    const Field &f = *p.field;
    if (f.references_entity && !p.target) return;  // reported as invalid_metadata

    // Only single-column keys on this column describe the field.
    Vector<const ForeignKey *> keys;
    for (const ForeignKey &fk : t.foreign_keys)
        if (fk.attnums.size() == 1 && fk.attnums[0] == col.attnum) keys.push_back(&fk);

    // The API's key: this target and ON DELETE, and PostgreSQL's defaults for
    // everything else (ON UPDATE NO ACTION, MATCH SIMPLE, NOT DEFERRABLE).
    const ForeignKey *match = nullptr;
    if (p.target) {
        const Table *target = catalog_.find(p.target->schema_name, p.target->table_name);
        const Column *target_pk = target ? target->column(p.target->primary_key) : nullptr;
        for (const ForeignKey *fk : keys) {
            if (target_pk && fk->ref_relid == target->relid && only(fk->ref_attnums, target_pk->attnum) &&
                fk->on_delete == p.on_delete && fk->on_update == OnDelete::NoAction &&
                fk->match == FkMatch::Simple && !fk->deferrable && !fk->deferred &&
                fk->delete_set_columns.empty()) {
                match = fk;
                break;
            }
        }
    }
    if (!p.target && keys.empty()) return;
    if (match && match->validated && keys.size() == 1) return;

    DriftRow &row = add_row(Kind::ForeignKeyMismatch, e, &f, sql_.column_object(e, f.column_name));
    if (p.target) row.expected = sql_.fk_clause(sql_.expected_fk(e, p));
    String actual;
    for (const ForeignKey *fk : keys) {
        if (!actual.empty()) actual += ", ";
        actual += sql_.fk_clause(actual_fk(t, *fk));
    }
    if (!actual.empty()) row.actual = std::move(actual);

    for (const ForeignKey *fk : keys) {
        if (fk == match) continue;
        if (fk->inherited) {
            unfixable(row, "the foreign key " + sql_.ident(fk->name) +
                               " is inherited from the partitioned table");
            return;
        }
        row.repair.push_back(sql_.statement(
            Phase::ForeignKey, e, sql_.alter_table(e) + "DROP CONSTRAINT " + sql_.ident(fk->name)));
    }
    if (match) {
        if (!match->validated)
            row.repair.push_back(sql_.statement(
                Phase::ForeignKey, e,
                sql_.alter_table(e) + "VALIDATE CONSTRAINT " + sql_.ident(match->name),
                sql_.dangling_check(e, p)));
    } else if (p.target) {
        if (auto why = target_key_problem(*p.target)) {
            unfixable(row, *why);
            return;
        }
        // A replaced key keeps its name: it is dropped just before.
        sql_.add_fkey_statements(e, p, row.repair, keys.empty() ? nullptr : &keys.front()->name);
    }
}

}  // namespace selegic::core
