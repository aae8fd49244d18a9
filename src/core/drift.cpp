#include "core/drift.hpp"

#include <algorithm>
#include <tuple>
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

const char *kind_name(Kind kind) {
    switch (kind) {
        case Kind::MissingTable:
            return "missing_table";
        case Kind::MissingPrimaryKey:
            return "missing_primary_key";
        case Kind::MissingColumn:
            return "missing_column";
        case Kind::RenamedColumn:
            return "renamed_column";
        case Kind::TypeMismatch:
            return "type_mismatch";
        case Kind::NullabilityMismatch:
            return "nullability_mismatch";
        case Kind::DefaultMismatch:
            return "default_mismatch";
        case Kind::UniqueMismatch:
            return "unique_mismatch";
        case Kind::ForeignKeyMismatch:
            return "foreign_key_mismatch";
        case Kind::ExtraColumn:
            return "extra_column";
        case Kind::UnmanagedTable:
            return "unmanaged_table";
        case Kind::InvalidMetadata:
            return "invalid_metadata";
    }
    return "invalid_metadata";
}

std::optional<String> DriftRow::fix_text() const {
    if (repair.empty()) return std::nullopt;
    String out;
    for (const Statement &s : repair) {
        if (!out.empty()) out += '\n';
        out += s.sql;
        out += ';';
    }
    return out;
}

bool is_forbidden_schema(std::string_view schema) {
    auto starts_with = [&](std::string_view prefix) {
        return schema.substr(0, prefix.size()) == prefix;
    };
    return schema == "pg_catalog" || schema == "information_schema" || starts_with("pg_toast") ||
           starts_with("pg_temp");
}

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

// Walks the metadata entity by entity and field by field, comparing with the
// catalog and planning the repair of each difference as it is found.
class DriftChecker {
public:
    DriftChecker(const Vector<Entity> &entities, const Catalog &catalog, Resolver &resolver,
                 const DriftOptions &options)
        : entities_(entities), catalog_(catalog), r_(resolver), options_(options) {
        // Built sorted: inserting one by one into a flat map is quadratic.
        Vector<std::pair<Uuid, const Entity *>> ids;
        ids.reserve(entities_.size());
        for (const Entity &e : entities_) ids.emplace_back(e.id, &e);
        std::sort(ids.begin(), ids.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
        ids.erase(std::unique(ids.begin(), ids.end(),
                              [](const auto &a, const auto &b) { return a.first == b.first; }),
                  ids.end());
        by_id_.adopt_sequence(boost::container::ordered_unique_range, std::move(ids));
    }

    Vector<DriftRow> run() {
        for (const Entity &e : entities_)
            if (e.checked && (!options_.only_entity || *options_.only_entity == e.id))
                check_entity(e);
        if (catalog_.complete && !options_.only_entity) report_unmanaged_tables();
        sort_rows();
        return std::move(rows_);
    }

private:
    // ------------------------------------------------------------ naming

    String qualified(std::string_view schema, std::string_view table) {
        String s = r_.quote_ident(schema);
        s += '.';
        s += r_.quote_ident(table);
        return s;
    }
    String qualified(const Entity &e) { return qualified(e.schema_name, e.table_name); }
    String column_object(const Entity &e, std::string_view column) {
        String s = qualified(e);
        s += '.';
        s += r_.quote_ident(column);
        return s;
    }
    String alter_table(const Entity &e) {
        String s("ALTER TABLE ");
        s += qualified(e);
        s += ' ';
        return s;
    }

    Statement statement(Phase phase, const Entity &e, String sql,
                        std::optional<Precheck> check = std::nullopt) {
        return Statement{phase, std::move(sql), qualified(e), std::move(check)};
    }

    // "1 row of T <one>" / "%n rows of T <many>", counted by count_sql.
    Precheck rows_check(const Entity &e, String count_sql, std::string_view one,
                        std::string_view many, std::string_view hint) {
        Precheck c;
        c.count_sql = std::move(count_sql);
        c.rows_one = "1 row of " + qualified(e) + " " + to_string(one);
        c.rows_many = "%n rows of " + qualified(e) + " " + to_string(many);
        c.hint = to_string(hint);
        return c;
    }

    Precheck null_check(const Entity &e, const String &column_sql) {
        return rows_check(
            e, "SELECT count(*) FROM " + qualified(e) + " WHERE " + column_sql + " IS NULL",
            "has NULL in " + column_sql, "have NULL in " + column_sql,
            "Fill in the missing values, or make the field nullable in the metadata.");
    }

    Precheck duplicate_check(const Entity &e, const String &column_sql) {
        return rows_check(e,
                          "SELECT coalesce(sum(n), 0)::bigint FROM (SELECT count(*) AS n FROM " +
                              qualified(e) + " WHERE " + column_sql + " IS NOT NULL GROUP BY " +
                              column_sql + " HAVING count(*) > 1) AS duplicates",
                          "has a duplicate value in " + column_sql,
                          "have duplicate values in " + column_sql,
                          "Remove the duplicates, or make the field non-unique in the metadata.");
    }

    // Values that would not survive the type change. With only an explicit
    // cast (text to integer), a value that does not convert. With an
    // assignment cast (a new typmod, integer to bigint, text to varchar(n),
    // numeric to integer), also a value that would come out different
    // (cut short, rounded): PostgreSQL would do that silently, so the repair
    // refuses it.
    Precheck cast_check(const Entity &e, const String &column, TypeKey from, TypeKey to) {
        String column_sql = r_.quote_ident(column);
        String type_sql = r_.type_sql(to);
        bool exact = r_.assignment_cast(from, to);
        Precheck c =
            rows_check(e,
                       "SELECT selegic.uncastable_rows(" + r_.quote_literal(qualified(e)) + ", " +
                           r_.quote_literal(column) + ", " + r_.quote_literal(type_sql) +
                           (exact ? ", true)" : ", false)"),
                       "has a value in " + column_sql + " that does not convert to " + type_sql +
                           (exact ? " unchanged" : ""),
                       "have values in " + column_sql + " that do not convert to " + type_sql +
                           (exact ? " unchanged" : ""),
                       "Correct those values, or change the field's sql_type in the metadata.");
        c.enforce = exact;
        return c;
    }

    // ALTER COLUMN ... TYPE: where PostgreSQL converts on assignment, no USING
    // (too long a string then fails as on INSERT instead of being cut);
    // otherwise an explicit cast, which fails on values that do not convert.
    String type_change(const String &column_sql, TypeKey from, TypeKey to) {
        String type_sql = r_.type_sql(to);
        String s = "ALTER COLUMN " + column_sql + " TYPE " + type_sql;
        if (!r_.assignment_cast(from, to)) s += " USING " + column_sql + "::" + type_sql;
        return s;
    }

    DriftRow &add_row(Kind kind, const Entity &e, const Field *f, String object) {
        DriftRow row{kind, e.id, std::nullopt, std::move(object), {}, {}, {}};
        if (f) row.field_id = f->id;
        rows_.push_back(std::move(row));
        return rows_.back();
    }

    void invalid_field(const Entity &e, const Field &f, std::string_view value,
                       std::string_view reason) {
        DriftRow &row = add_row(Kind::InvalidMetadata, e, &f, column_object(e, f.column_name));
        row.expected = to_string(value);
        row.actual = to_string(reason);
    }

    // ------------------------------------------------------------ entity

    // Why an entity cannot be realised at all, or empty.
    String entity_problem(const Entity &e) {
        if (e.schema_name.empty()) return String("schema name is empty");
        if (e.table_name.empty()) return String("table name is empty");
        if (e.primary_key.empty()) return String("primary key column name is empty");
        if (is_forbidden_schema(e.schema_name)) {
            String s("schema \"");
            s += e.schema_name;
            s += "\" is reserved for the system";
            return s;
        }
        return String();
    }

    void check_entity(const Entity &e) {
        String problem = entity_problem(e);
        if (!problem.empty()) {
            DriftRow &row = add_row(Kind::InvalidMetadata, e, nullptr, qualified(e));
            row.expected = e.schema_name.empty() || is_forbidden_schema(e.schema_name)
                               ? e.schema_name
                               : (e.table_name.empty() ? e.table_name : e.primary_key);
            row.actual = std::move(problem);
            return;
        }

        // Resolve every field first: invalid ones are reported whatever the table's state.
        Vector<FieldPlan> plans;
        plans.reserve(e.fields.size());
        for (const Field &f : e.fields) plans.push_back(plan_field(e, f));

        const Table *table = catalog_.find(e.schema_name, e.table_name);
        if (!table) {
            report_missing_table(e, plans);
            return;
        }
        if (!table->is_table()) {
            DriftRow &row = add_row(Kind::MissingTable, e, nullptr, qualified(e));
            row.expected = String("table");
            row.actual = String(relkind_description(table->relkind));
            return;  // a human must move the other object away first
        }

        check_primary_key(e, *table);

        Vector<bool> described(table->columns.size(), false);
        for (const FieldPlan &p : plans) {
            if (!p.usable) continue;
            const Column *col = table->column(p.field->column_name);
            if (!col && (col = renamed_column(e, *table, *p.field)))
                report_renamed(e, *p.field, *col);
            if (!col) {
                report_missing_column(e, p);
                continue;
            }
            described[static_cast<std::size_t>(col - table->columns.data())] = true;
            check_column(e, *table, p, *col);
        }
        for (std::size_t i = 0; i < table->columns.size(); ++i) {
            const Column &col = table->columns[i];
            if (described[i] || col.name == e.primary_key) continue;
            if (is_field_column(e, col.name)) continue;  // described by an invalid field
            DriftRow &row = add_row(Kind::ExtraColumn, e, nullptr, column_object(e, col.name));
            row.actual = column_definition(col.type, col.not_null, col.default_id);
        }
    }

    // Where a field's column went, if the drift log saw it renamed by hand
    // (following renames of renames, oldest first).
    const Column *renamed_column(const Entity &e, const Table &t, const Field &f) {
        String name = f.column_name;
        bool moved = false;
        for (const Rename &r : catalog_.renames) {
            if (r.entity_id == e.id && r.old_name == name) {
                name = r.new_name;
                moved = true;
            }
        }
        return moved ? t.column(name) : nullptr;
    }

    void report_renamed(const Entity &e, const Field &f, const Column &col) {
        DriftRow &row = add_row(Kind::RenamedColumn, e, &f, column_object(e, f.column_name));
        row.expected = r_.quote_ident(f.column_name);
        row.actual = r_.quote_ident(col.name);
        // Renaming back keeps every value; the other checks of the column
        // already use the field's name, which the rename restores first.
        String s = alter_table(e) + "RENAME COLUMN " + r_.quote_ident(col.name) + " TO " +
                   r_.quote_ident(f.column_name);
        row.repair.push_back(statement(Phase::Column, e, std::move(s)));
    }

    static bool is_field_column(const Entity &e, const String &column) {
        for (const Field &f : e.fields)
            if (f.column_name == column) return true;
        return false;
    }

    // ------------------------------------------------------------ fields

    // A field with its metadata resolved, ready to compare or create.
    struct FieldPlan {
        const Field *field = nullptr;
        bool usable = false;  // type resolved; the column can be compared or created
        TypeKey type;
        OnDelete on_delete = OnDelete::NoAction;
        bool default_ok = true;  // false: default_expr is invalid, default not compared
        int default_id = 0;
        const Entity *target = nullptr;  // referenced entity, when valid
    };

    FieldPlan plan_field(const Entity &e, const Field &f) {
        FieldPlan p;
        p.field = &f;
        if (f.column_name.empty()) {
            invalid_field(e, f, f.column_name, "column name is empty");
            return p;
        }
        if (f.column_name == e.primary_key) {
            invalid_field(e, f, f.column_name,
                          "column name is the entity's primary key column, which the entity "
                          "itself describes");
            return p;
        }
        auto on_delete = parse_on_delete(f.on_delete);
        if (!on_delete) {
            invalid_field(e, f, f.on_delete, "unknown ON DELETE action");
            return p;
        }
        p.on_delete = *on_delete;
        const ResolvedType &type = r_.resolve_type(e.schema_name, f.sql_type);
        if (!type.ok) {
            invalid_field(e, f, f.sql_type, type.error);
            return p;
        }
        p.type = type.key;
        p.usable = true;
        if (f.default_expr) {
            const ResolvedDefault &d = r_.resolve_default(e.schema_name, *f.default_expr, p.type);
            if (d.ok) {
                p.default_id = d.id;
            } else {
                p.default_ok = false;
                invalid_field(e, f, *f.default_expr, d.error);
            }
        }
        if (f.references_entity && p.type != catalog_.uuid_type) {
            invalid_field(e, f, f.sql_type,
                          "a relation field must have type uuid, the type of the referenced "
                          "primary key");
        } else if (f.references_entity) {
            auto it = by_id_.find(*f.references_entity);
            if (it == by_id_.end()) {
                invalid_field(e, f, f.references_entity->to_string(),
                              "referenced entity does not exist");
            } else if (!entity_problem(*it->second).empty()) {
                invalid_field(e, f, f.references_entity->to_string(),
                              "referenced entity has invalid metadata");
            } else {
                p.target = it->second;
            }
        }
        return p;
    }

    String column_definition(TypeKey type, bool not_null, int default_id) {
        String s = r_.type_sql(type);
        if (not_null) s += " NOT NULL";
        if (default_id != 0) {
            s += " DEFAULT ";
            s += r_.default_sql(default_id);
        }
        return s;
    }

    String unique_name(const Entity &e, const Field &f) {
        return r_.object_name(e.schema_name, e.table_name, f.column_name, "key");
    }
    String fkey_name(const Entity &e, const Field &f) {
        return r_.object_name(e.schema_name, e.table_name, f.column_name, "fkey");
    }

    // "FOREIGN KEY (col) REFERENCES s.t(id) ON DELETE CASCADE", as pg_get_constraintdef.
    String expected_fkey(const FieldPlan &p) {
        String s("FOREIGN KEY (");
        s += r_.quote_ident(p.field->column_name);
        s += ") REFERENCES ";
        s += qualified(*p.target);
        s += '(';
        s += r_.quote_ident(p.target->primary_key);
        s += ')';
        if (p.on_delete != OnDelete::NoAction) {
            s += " ON DELETE ";
            s += on_delete_sql(p.on_delete);
        }
        return s;
    }

    String actual_fkey(const Table &t, const ForeignKey &fk) {
        String s("FOREIGN KEY (");
        for (std::size_t i = 0; i < fk.attnums.size(); ++i) {
            if (i) s += ", ";
            const Column *c = t.column(fk.attnums[i]);
            s += c ? r_.quote_ident(c->name) : String("?");
        }
        s += ") REFERENCES ";
        s += qualified(fk.ref_schema, fk.ref_table);
        s += '(';
        for (std::size_t i = 0; i < fk.ref_columns.size(); ++i) {
            if (i) s += ", ";
            s += r_.quote_ident(fk.ref_columns[i]);
        }
        s += ')';
        if (fk.on_delete != OnDelete::NoAction) {
            s += " ON DELETE ";
            s += on_delete_sql(fk.on_delete);
        }
        if (!fk.validated) s += " NOT VALID";
        return s;
    }

    // ADD CONSTRAINT ... NOT VALID, then VALIDATE: the long check runs without
    // the lock that blocks writers.
    void add_fkey_statements(const Entity &e, const FieldPlan &p, Vector<Statement> &out,
                             const String *reuse_name = nullptr) {
        String name = r_.quote_ident(reuse_name ? *reuse_name : fkey_name(e, *p.field));
        String add = alter_table(e);
        add += "ADD CONSTRAINT ";
        add += name;
        add += ' ';
        add += expected_fkey(p);
        add += " NOT VALID";
        out.push_back(statement(Phase::ForeignKey, e, std::move(add)));
        String validate = alter_table(e);
        validate += "VALIDATE CONSTRAINT ";
        validate += name;
        out.push_back(statement(Phase::ForeignKey, e, std::move(validate), dangling_check(e, p)));
    }

    Precheck dangling_check(const Entity &e, const FieldPlan &p) {
        String column_sql = r_.quote_ident(p.field->column_name);
        String target = qualified(*p.target);
        return rows_check(
            e,
            "SELECT count(*) FROM " + qualified(e) + " AS c WHERE c." + column_sql +
                " IS NOT NULL AND NOT EXISTS (SELECT FROM " + target + " AS p WHERE p." +
                r_.quote_ident(p.target->primary_key) + " = c." + column_sql + ")",
            "references no row of " + target + " in " + column_sql,
            "reference no row of " + target + " in " + column_sql,
            "Clear or correct the dangling references, or change the field's relation in the "
            "metadata.");
    }

    // "integer NOT NULL DEFAULT 0 UNIQUE REFERENCES ...": the column as the
    // metadata describes it; also the text of ADD COLUMN / CREATE TABLE.
    String field_definition(const Entity &e, const FieldPlan &p, bool with_constraints) {
        String s = column_definition(p.type, !p.field->is_nullable, p.default_id);
        if (with_constraints && p.field->is_unique) {
            s += " CONSTRAINT ";
            s += r_.quote_ident(unique_name(e, *p.field));
            s += " UNIQUE";
        }
        return s;
    }

    void report_missing_table(const Entity &e, const Vector<FieldPlan> &plans) {
        DriftRow &row = add_row(Kind::MissingTable, e, nullptr, qualified(e));
        row.expected = String("table");
        if (catalog_.schemas.find(e.schema_name) == catalog_.schemas.end()) {
            String s("CREATE SCHEMA IF NOT EXISTS ");
            s += r_.quote_ident(e.schema_name);
            row.repair.push_back(statement(Phase::Schema, e, std::move(s)));
        }
        // Columns in name order, so the statement is the same run after run.
        Vector<const FieldPlan *> ordered;
        for (const FieldPlan &p : plans)
            if (p.usable) ordered.push_back(&p);
        std::sort(ordered.begin(), ordered.end(), [](const FieldPlan *a, const FieldPlan *b) {
            return a->field->column_name < b->field->column_name;
        });
        String create("CREATE TABLE ");
        create += qualified(e);
        create += " (";
        create += r_.quote_ident(e.primary_key);
        create += " uuid PRIMARY KEY";
        for (const FieldPlan *p : ordered) {
            create += ", ";
            create += r_.quote_ident(p->field->column_name);
            create += ' ';
            create += field_definition(e, *p, true);
        }
        create += ')';
        row.repair.push_back(statement(Phase::Table, e, std::move(create)));
        for (const FieldPlan *p : ordered)
            if (p->target) add_fkey_statements(e, *p, row.repair);
    }

    void report_missing_column(const Entity &e, const FieldPlan &p) {
        DriftRow &row =
            add_row(Kind::MissingColumn, e, p.field, column_object(e, p.field->column_name));
        String expected = field_definition(e, p, false);
        if (p.field->is_unique) expected += " UNIQUE";
        if (p.target) {
            expected += " REFERENCES ";
            expected += qualified(*p.target);
            expected += '(';
            expected += r_.quote_ident(p.target->primary_key);
            expected += ')';
            if (p.on_delete != OnDelete::NoAction) {
                expected += " ON DELETE ";
                expected += on_delete_sql(p.on_delete);
            }
        }
        row.expected = std::move(expected);
        String add = alter_table(e);
        add += "ADD COLUMN ";
        add += r_.quote_ident(p.field->column_name);
        add += ' ';
        add += field_definition(e, p, true);
        std::optional<Precheck> check;
        if (!p.field->is_nullable && p.default_id == 0)
            check = rows_check(e, "SELECT count(*) FROM " + qualified(e),
                               "exists, and the new NOT NULL column " +
                                   r_.quote_ident(p.field->column_name) + " has no default",
                               "exist, and the new NOT NULL column " +
                                   r_.quote_ident(p.field->column_name) + " has no default",
                               "Give the field a default, or add it as nullable, fill it in, "
                               "then make it NOT NULL.");
        row.repair.push_back(statement(Phase::Column, e, std::move(add), std::move(check)));
        if (p.target) add_fkey_statements(e, p, row.repair);
    }

    void check_column(const Entity &e, const Table &t, const FieldPlan &p, const Column &col) {
        const Field &f = *p.field;
        String column_sql = r_.quote_ident(f.column_name);

        if (col.type != p.type) {
            DriftRow &row = add_row(Kind::TypeMismatch, e, &f, column_object(e, f.column_name));
            String type_sql = r_.type_sql(p.type);
            row.expected = type_sql;
            row.actual = r_.type_sql(col.type);
            // No cast at all (integer to uuid): no fix, a human must decide how.
            if (r_.explicit_cast(col.type, p.type)) {
                // A default that cannot follow the new type would stop ALTER TYPE:
                // take it off first and put the metadata's default back after.
                // (One that converts on assignment always follows.)
                bool move_default =
                    col.default_id != 0 && p.default_ok && !r_.assignment_cast(col.type, p.type);
                String s = alter_table(e);
                if (move_default) s += "ALTER COLUMN " + column_sql + " DROP DEFAULT, ";
                s += type_change(column_sql, col.type, p.type);
                if (move_default && p.default_id)
                    s += ", ALTER COLUMN " + column_sql + " SET DEFAULT " +
                         r_.default_sql(p.default_id);
                row.repair.push_back(statement(Phase::ColumnType, e, std::move(s),
                                               cast_check(e, f.column_name, col.type, p.type)));
            }
        }

        bool want_not_null = !f.is_nullable;
        if (col.not_null != want_not_null) {
            DriftRow &row =
                add_row(Kind::NullabilityMismatch, e, &f, column_object(e, f.column_name));
            row.expected = String(want_not_null ? "NOT NULL" : "NULL");
            row.actual = String(col.not_null ? "NOT NULL" : "NULL");
            String s = alter_table(e);
            s +=
                "ALTER COLUMN " + column_sql + (want_not_null ? " SET NOT NULL" : " DROP NOT NULL");
            std::optional<Precheck> check;
            if (want_not_null) check = null_check(e, column_sql);
            row.repair.push_back(
                statement(Phase::ColumnNullability, e, std::move(s), std::move(check)));
        }

        if (p.default_ok) {
            // Compare as the column is typed now: a type repair re-coerces the
            // default, so a type difference alone is not a default difference.
            int comparable = p.default_id;
            if (f.default_expr && col.type != p.type) {
                const ResolvedDefault &d =
                    r_.resolve_default(e.schema_name, *f.default_expr, col.type);
                if (d.ok) comparable = d.id;
            }
            if (comparable != col.default_id) {
                DriftRow &row =
                    add_row(Kind::DefaultMismatch, e, &f, column_object(e, f.column_name));
                if (p.default_id) row.expected = r_.default_sql(p.default_id);
                if (col.default_id) row.actual = r_.default_sql(col.default_id);
                String s = alter_table(e);
                s += "ALTER COLUMN " + column_sql;
                if (p.default_id) {
                    s += " SET DEFAULT ";
                    s += r_.default_sql(p.default_id);
                } else {
                    s += " DROP DEFAULT";
                }
                row.repair.push_back(statement(Phase::ColumnDefault, e, std::move(s)));
            }
        }

        check_unique(e, t, p, col);
        check_foreign_keys(e, t, p, col);
    }

    void check_unique(const Entity &e, const Table &t, const FieldPlan &p, const Column &col) {
        const Field &f = *p.field;
        Vector<const UniqueKey *> keys;
        for (const UniqueKey &u : t.uniques)
            if (u.attnum == col.attnum) keys.push_back(&u);
        if (f.is_unique == !keys.empty()) return;

        DriftRow &row = add_row(Kind::UniqueMismatch, e, &f, column_object(e, f.column_name));
        String column_sql = r_.quote_ident(f.column_name);
        if (f.is_unique) {
            row.expected = "UNIQUE (" + column_sql + ")";
            String s = alter_table(e);
            s += "ADD CONSTRAINT " + r_.quote_ident(unique_name(e, f)) + " UNIQUE (" + column_sql +
                 ")";
            row.repair.push_back(
                statement(Phase::Constraint, e, std::move(s), duplicate_check(e, column_sql)));
            return;
        }
        String actual;
        for (const UniqueKey *u : keys) {
            if (!actual.empty()) actual += ", ";
            String s;
            if (u->is_constraint) {
                actual += "UNIQUE (" + column_sql + ")";
                s = alter_table(e) + "DROP CONSTRAINT " + r_.quote_ident(u->name);
            } else {
                actual += "UNIQUE INDEX " + r_.quote_ident(u->name) + " (" + column_sql + ")";
                s = "DROP INDEX " + qualified(e.schema_name, u->name);
            }
            row.repair.push_back(statement(Phase::Constraint, e, std::move(s)));
        }
        row.actual = std::move(actual);
    }

    void check_foreign_keys(const Entity &e, const Table &t, const FieldPlan &p,
                            const Column &col) {
        const Field &f = *p.field;
        if (f.references_entity && !p.target) return;  // reported as invalid_metadata

        // Only single-column keys on this column describe the field.
        Vector<const ForeignKey *> keys;
        for (const ForeignKey &fk : t.foreign_keys)
            if (fk.attnums.size() == 1 && fk.attnums[0] == col.attnum) keys.push_back(&fk);

        const ForeignKey *match = nullptr;
        if (p.target) {
            const Table *target = catalog_.find(p.target->schema_name, p.target->table_name);
            const Column *target_pk = target ? target->column(p.target->primary_key) : nullptr;
            for (const ForeignKey *fk : keys) {
                if (target_pk && fk->ref_relid == target->relid && fk->ref_attnums.size() == 1 &&
                    fk->ref_attnums[0] == target_pk->attnum && fk->on_delete == p.on_delete) {
                    match = fk;
                    break;
                }
            }
        }

        if (!p.target && keys.empty()) return;
        if (match && match->validated && keys.size() == 1) return;

        DriftRow &row = add_row(Kind::ForeignKeyMismatch, e, &f, column_object(e, f.column_name));
        if (p.target) row.expected = expected_fkey(p);
        String actual;
        for (const ForeignKey *fk : keys) {
            if (!actual.empty()) actual += ", ";
            actual += actual_fkey(t, *fk);
        }
        if (!actual.empty()) row.actual = std::move(actual);

        for (const ForeignKey *fk : keys) {
            if (fk == match) continue;
            String s = alter_table(e) + "DROP CONSTRAINT " + r_.quote_ident(fk->name);
            row.repair.push_back(statement(Phase::ForeignKey, e, std::move(s)));
        }
        if (match) {
            if (!match->validated) {
                String s = alter_table(e) + "VALIDATE CONSTRAINT " + r_.quote_ident(match->name);
                row.repair.push_back(
                    statement(Phase::ForeignKey, e, std::move(s), dangling_check(e, p)));
            }
        } else if (p.target) {
            // A replaced key keeps its name: it is dropped just before.
            add_fkey_statements(e, p, row.repair, keys.empty() ? nullptr : &keys.front()->name);
        }
    }

    // ------------------------------------------------------------ tables

    void check_primary_key(const Entity &e, const Table &t) {
        const Column *pk = t.column(e.primary_key);
        String pk_sql = r_.quote_ident(e.primary_key);
        if (pk && pk->type != catalog_.uuid_type) {
            // The entity's key column is uuid by definition; no field describes it.
            DriftRow &row =
                add_row(Kind::TypeMismatch, e, nullptr, column_object(e, e.primary_key));
            String uuid_sql = r_.type_sql(catalog_.uuid_type);
            row.expected = uuid_sql;
            row.actual = r_.type_sql(pk->type);
            if (r_.explicit_cast(pk->type, catalog_.uuid_type)) {  // text can; integer cannot
                String s = alter_table(e) + type_change(pk_sql, pk->type, catalog_.uuid_type);
                row.repair.push_back(
                    statement(Phase::ColumnType, e, std::move(s),
                              cast_check(e, e.primary_key, pk->type, catalog_.uuid_type)));
            }
        }
        if (pk && t.primary_key.size() == 1 && t.primary_key[0] == pk->attnum) return;

        DriftRow &row = add_row(Kind::MissingPrimaryKey, e, nullptr, qualified(e));
        row.expected = "PRIMARY KEY (" + pk_sql + ")";
        if (!t.primary_key.empty()) {
            // Another key is in place; replacing it could break what depends on it.
            String actual("PRIMARY KEY (");
            for (std::size_t i = 0; i < t.primary_key.size(); ++i) {
                if (i) actual += ", ";
                const Column *c = t.column(t.primary_key[i]);
                actual += c ? r_.quote_ident(c->name) : String("?");
            }
            actual += ')';
            row.actual = std::move(actual);
            return;
        }
        String s = alter_table(e);
        std::optional<Precheck> check;
        if (pk) {
            s += "ADD PRIMARY KEY (" + pk_sql + ")";
            check = rows_check(e,
                               "SELECT count(*) FROM " + qualified(e) + " WHERE " + pk_sql +
                                   " IS NULL OR " + pk_sql + " IN (SELECT " + pk_sql + " FROM " +
                                   qualified(e) + " GROUP BY " + pk_sql + " HAVING count(*) > 1)",
                               "has a NULL or duplicate " + pk_sql,
                               "have a NULL or duplicate " + pk_sql,
                               "Give every row a distinct key before the primary key is added.");
        } else {  // existing rows get fresh keys, as Selegic would give new records
            s += "ADD COLUMN " + pk_sql + " uuid DEFAULT gen_random_uuid() PRIMARY KEY";
        }
        row.repair.push_back(statement(Phase::Constraint, e, std::move(s), std::move(check)));
    }

    void report_unmanaged_tables() {
        FlatSet<String> managed_schemas;
        for (const Entity &e : entities_)
            if (entity_problem(e).empty()) managed_schemas.insert(e.schema_name);
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
            if (std::binary_search(named.begin(), named.end(), Name(t.schema_name, t.name)))
                continue;
            DriftRow row{Kind::UnmanagedTable,
                         std::nullopt,
                         std::nullopt,
                         qualified(t.schema_name, t.name),
                         {},
                         String(relkind_description(t.relkind)),
                         {}};
            rows_.push_back(std::move(row));
        }
    }

    void sort_rows() {
        auto key = [](const DriftRow &r) {
            return std::make_tuple(std::string_view(r.object), std::string_view(kind_name(r.kind)));
        };
        std::stable_sort(rows_.begin(), rows_.end(), [&](const DriftRow &a, const DriftRow &b) {
            auto ka = key(a), kb = key(b);
            if (ka != kb) return ka < kb;
            // Same object and kind (e.g. two invalid values of one field): by content.
            return std::tie(a.field_id, a.expected, a.actual) <
                   std::tie(b.field_id, b.expected, b.actual);
        });
    }

    const Vector<Entity> &entities_;
    const Catalog &catalog_;
    Resolver &r_;
    const DriftOptions &options_;
    FlatMap<Uuid, const Entity *> by_id_;
    Vector<DriftRow> rows_;
};

}  // namespace

Vector<Statement> plan_repair(const Vector<DriftRow> &rows) {
    Vector<Statement> out;
    for (const DriftRow &row : rows)
        for (const Statement &s : row.repair) out.push_back(s);
    std::stable_sort(out.begin(), out.end(), [](const Statement &a, const Statement &b) {
        return static_cast<int>(a.phase) < static_cast<int>(b.phase);
    });
    return out;
}

Vector<DriftRow> compute_drift(const Vector<Entity> &entities, const Catalog &catalog,
                               Resolver &resolver, const DriftOptions &options) {
    return DriftChecker(entities, catalog, resolver, options).run();
}

}  // namespace selegic::core
