#include "core/sql_text.hpp"

#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

namespace {
const char *action_sql(OnDelete a) {
    return on_delete_sql(a);
}

void append_list(String &s, const Vector<String> &names, Resolver &r) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) s += ", ";
        s += r.quote_ident(names[i]);
    }
}
}  // namespace

String SqlText::qualified(std::string_view schema, std::string_view table) {
    String s = r_.quote_ident(schema);
    s += '.';
    s += r_.quote_ident(table);
    return s;
}

String SqlText::column_object(const Entity &e, std::string_view column) {
    String s = qualified(e);
    s += '.';
    s += r_.quote_ident(column);
    return s;
}

String SqlText::alter_table(const Entity &e) {
    String s("ALTER TABLE ");
    s += qualified(e);
    s += ' ';
    return s;
}

String SqlText::column_definition(TypeKey type, bool not_null, int default_text) {
    String s = r_.type_sql(type);
    if (not_null) s += " NOT NULL";
    if (default_text != 0) {
        s += " DEFAULT ";
        s += r_.default_sql(default_text);
    }
    return s;
}

String SqlText::field_definition(const Entity &e, const FieldPlan &p, bool with_constraints) {
    String s = column_definition(p.type, !p.field->is_nullable, p.default_id ? p.default_text : 0);
    if (with_constraints && p.field->is_unique) {
        s += " CONSTRAINT ";
        s += r_.quote_ident(unique_name(e, *p.field));
        s += " UNIQUE";
    }
    return s;
}

String SqlText::unique_name(const Entity &e, const Field &f) {
    return r_.object_name(e.schema_name, e.table_name, f.column_name, "key");
}

String SqlText::fkey_name(const Entity &e, const Field &f) {
    return r_.object_name(e.schema_name, e.table_name, f.column_name, "fkey");
}

// As ruleutils.c's pg_get_constraintdef: columns, target, MATCH, ON UPDATE,
// ON DELETE (with its column list), deferrability, NOT VALID.
String SqlText::fk_clause(const FkDefinition &fk) {
    String s("FOREIGN KEY (");
    append_list(s, fk.columns, r_);
    s += ") REFERENCES ";
    s += qualified(fk.ref_schema, fk.ref_table);
    s += '(';
    append_list(s, fk.ref_columns, r_);
    s += ')';
    if (fk.match == FkMatch::Full) s += " MATCH FULL";
    if (fk.match == FkMatch::Partial) s += " MATCH PARTIAL";
    if (fk.on_update != OnDelete::NoAction) {
        s += " ON UPDATE ";
        s += action_sql(fk.on_update);
    }
    if (fk.on_delete != OnDelete::NoAction) {
        s += " ON DELETE ";
        s += action_sql(fk.on_delete);
    }
    if (!fk.delete_set_columns.empty()) {
        s += " (";
        append_list(s, fk.delete_set_columns, r_);
        s += ')';
    }
    if (fk.deferrable) s += " DEFERRABLE";
    if (fk.deferred) s += " INITIALLY DEFERRED";
    if (!fk.validated) s += " NOT VALID";
    return s;
}

FkDefinition SqlText::expected_fk(const Entity &, const FieldPlan &p) {
    FkDefinition fk;
    fk.columns.push_back(p.field->column_name);
    fk.ref_schema = p.target->schema_name;
    fk.ref_table = p.target->table_name;
    fk.ref_columns.push_back(p.target->primary_key);
    fk.on_delete = p.on_delete;
    return fk;
}

String SqlText::type_change(const String &column_sql, TypeKey from, TypeKey to) {
    String type_sql = r_.type_sql(to);
    String s = "ALTER COLUMN " + column_sql + " TYPE " + type_sql;
    if (!r_.assignment_cast(from, to)) s += " USING " + column_sql + "::" + type_sql;
    return s;
}

Statement SqlText::statement(Phase phase, const Entity &e, String sql,
                             std::optional<Precheck> check) {
    return Statement{phase, std::move(sql), qualified(e), std::move(check)};
}

Precheck SqlText::rows_check(const Entity &e, String count_sql, std::string_view one,
                             std::string_view many, std::string_view hint) {
    Precheck c;
    c.count_sql = std::move(count_sql);
    c.rows_one = "1 row of " + qualified(e) + " " + to_string(one);
    c.rows_many = "%n rows of " + qualified(e) + " " + to_string(many);
    c.hint = to_string(hint);
    return c;
}

Precheck SqlText::null_check(const Entity &e, const String &column_sql) {
    return rows_check(e,
                      "SELECT pg_catalog.count(*) FROM " + qualified(e) + " WHERE " + column_sql +
                          " IS NULL",
                      "has NULL in " + column_sql, "have NULL in " + column_sql,
                      "Fill in the missing values, or make the field nullable in the metadata.");
}

Precheck SqlText::duplicate_check(const Entity &e, const String &column_sql) {
    return rows_check(
        e,
        "SELECT COALESCE(pg_catalog.sum(n), 0)::pg_catalog.int8 FROM (SELECT "
        "pg_catalog.count(*) AS n FROM " +
            qualified(e) + " WHERE " + column_sql + " IS NOT NULL GROUP BY " + column_sql +
            " HAVING pg_catalog.count(*) > 1) AS duplicates",
        "has a duplicate value in " + column_sql, "have duplicate values in " + column_sql,
        "Remove the duplicates, or make the field non-unique in the metadata.");
}

// Values that would not survive the type change. With only an explicit
// cast (text to integer), a value that does not convert. With an assignment
// cast (a new typmod, integer to bigint, text to varchar(n), numeric to
// integer), also a value that would come out different (cut short,
// rounded): PostgreSQL would do that silently, so the repair refuses it.
Precheck SqlText::cast_check(const Entity &e, std::string_view column, TypeKey from, TypeKey to) {
    String column_sql = r_.quote_ident(column);
    String type_sql = r_.type_sql(to);
    bool exact = r_.assignment_cast(from, to);
    String unchanged = exact ? String(" unchanged") : String();
    Precheck c = rows_check(
        e,
        "SELECT selegic.uncastable_rows(" + r_.quote_literal(qualified(e)) + ", " +
            r_.quote_literal(column) + ", " + r_.quote_literal(type_sql) +
            (exact ? ", true)" : ", false)"),
        "has a value in " + column_sql + " that does not convert to " + type_sql + unchanged,
        "have values in " + column_sql + " that do not convert to " + type_sql + unchanged,
        "Correct those values, or change the field's sql_type in the metadata.");
    c.enforce = exact;
    return c;
}

Precheck SqlText::dangling_check(const Entity &e, const FieldPlan &p) {
    String column_sql = r_.quote_ident(p.field->column_name);
    String target = qualified(*p.target);
    return rows_check(
        e,
        "SELECT pg_catalog.count(*) FROM " + qualified(e) + " AS c WHERE c." + column_sql +
            " IS NOT NULL AND NOT EXISTS (SELECT FROM " + target + " AS p WHERE p." +
            r_.quote_ident(p.target->primary_key) + " OPERATOR(pg_catalog.=) c." + column_sql +
            ")",
        "references no row of " + target + " in " + column_sql,
        "reference no row of " + target + " in " + column_sql,
        "Clear or correct the dangling references, or change the field's relation in the "
        "metadata.");
}

Precheck SqlText::primary_key_check(const Entity &e, const String &pk_sql) {
    return rows_check(e,
                      "SELECT pg_catalog.count(*) FROM " + qualified(e) + " WHERE " + pk_sql +
                          " IS NULL OR " + pk_sql + " IN (SELECT " + pk_sql + " FROM " +
                          qualified(e) + " GROUP BY " + pk_sql +
                          " HAVING pg_catalog.count(*) > 1)",
                      "has a NULL or duplicate " + pk_sql, "have a NULL or duplicate " + pk_sql,
                      "Give every row a distinct key before the primary key is added.");
}

Precheck SqlText::empty_table_check(const Entity &e, const String &column_sql) {
    return rows_check(
        e, "SELECT pg_catalog.count(*) FROM " + qualified(e),
        "exists, and the new NOT NULL column " + column_sql + " has no default",
        "exist, and the new NOT NULL column " + column_sql + " has no default",
        "Give the field a default, or add it as nullable, fill it in, then make it NOT NULL.");
}

// NOT VALID first, then VALIDATE: the long check runs without the lock that
// blocks writers.
void SqlText::add_fkey_statements(const Entity &e, const FieldPlan &p, Vector<Statement> &out,
                                  const String *reuse_name) {
    String name = r_.quote_ident(reuse_name ? *reuse_name : fkey_name(e, *p.field));
    FkDefinition fk = expected_fk(e, p);
    out.push_back(statement(Phase::ForeignKey, e,
                            alter_table(e) + "ADD CONSTRAINT " + name + ' ' + fk_clause(fk) +
                                " NOT VALID"));
    out.push_back(statement(Phase::ForeignKey, e, alter_table(e) + "VALIDATE CONSTRAINT " + name,
                            dangling_check(e, p)));
}

}  // namespace selegic::core
