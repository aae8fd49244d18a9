// Every piece of SQL text the report shows and the repairs run, built in one
// place: qualified names, column definitions, the foreign key clause (one
// renderer for expected, actual and ADD CONSTRAINT, spelled as
// pg_get_constraintdef spells it), the statements, and the prechecks that
// count the rows a statement would fail on. Identifiers and literals go
// through the resolver's quoting; internal calls are pg_catalog-qualified.
#pragma once

#include "core/drift.hpp"
#include "core/validate.hpp"

namespace selegic::core {

// A foreign key's whole definition, by names.
struct FkDefinition {
    Vector<String> columns;
    String ref_schema, ref_table;
    Vector<String> ref_columns;
    FkMatch match = FkMatch::Simple;
    OnDelete on_update = OnDelete::NoAction;
    OnDelete on_delete = OnDelete::NoAction;
    Vector<String> delete_set_columns;
    bool deferrable = false;
    bool deferred = false;
    bool validated = true;
};

class SqlText {
public:
    explicit SqlText(Resolver &r) : r_(r) {}

    String ident(std::string_view name) { return r_.quote_ident(name); }
    String literal(std::string_view text) { return r_.quote_literal(text); }
    String qualified(std::string_view schema, std::string_view table);
    String qualified(const Entity &e) { return qualified(e.schema_name, e.table_name); }
    String column_object(const Entity &e, std::string_view column);
    String alter_table(const Entity &e);  // "ALTER TABLE s.t "

    // "bigint NOT NULL DEFAULT 0"
    String column_definition(TypeKey type, bool not_null, int default_text);
    // The field's definition; with_constraints adds its named UNIQUE constraint.
    String field_definition(const Entity &e, const FieldPlan &p, bool with_constraints);
    String unique_name(const Entity &e, const Field &f);
    String fkey_name(const Entity &e, const Field &f);

    // "FOREIGN KEY (c) REFERENCES s.t(id) MATCH FULL ON UPDATE ... ON DELETE ... DEFERRABLE ..."
    String fk_clause(const FkDefinition &fk);
    // The key a relation field should have.
    FkDefinition expected_fk(const Entity &e, const FieldPlan &p);

    // ALTER COLUMN ... TYPE, with USING only where PostgreSQL has no assignment cast.
    String type_change(const String &column_sql, TypeKey from, TypeKey to);

    Statement statement(Phase phase, const Entity &e, String sql,
                        std::optional<Precheck> check = std::nullopt);

    // Prechecks: "1 row of T <one>" / "%n rows of T <many>".
    Precheck rows_check(const Entity &e, String count_sql, std::string_view one,
                        std::string_view many, std::string_view hint);
    Precheck null_check(const Entity &e, const String &column_sql);
    Precheck duplicate_check(const Entity &e, const String &column_sql);
    Precheck cast_check(const Entity &e, std::string_view column, TypeKey from, TypeKey to);
    Precheck dangling_check(const Entity &e, const FieldPlan &p);
    Precheck primary_key_check(const Entity &e, const String &pk_sql);
    Precheck empty_table_check(const Entity &e, const String &column_sql);

    // ADD CONSTRAINT ... NOT VALID, then VALIDATE (reuse_name: a replaced key's).
    void add_fkey_statements(const Entity &e, const FieldPlan &p, Vector<Statement> &out,
                             const String *reuse_name = nullptr);

private:
    Resolver &r_;
};

}  // namespace selegic::core
