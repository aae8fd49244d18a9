// Comparison, classification and repair planning: the heart of selegic_drift().
#pragma once

#include "core/managed.hpp"
#include "core/model.hpp"

namespace selegic::core {

enum class Kind {
    MissingTable,
    MissingPrimaryKey,
    MissingColumn,
    RenamedColumn,
    TypeMismatch,
    NullabilityMismatch,
    DefaultMismatch,
    UniqueMismatch,
    ForeignKeyMismatch,
    ExtraColumn,
    UnmanagedTable,
    InvalidMetadata,
};

const char *kind_name(Kind kind);

// When a repair statement must run relative to others, so that a whole-database
// repair creates tables before columns, columns before constraints, and
// foreign keys last, once every target exists.
enum class Phase {
    Schema,
    Table,
    Column,
    ColumnType,
    ColumnDefault,
    ColumnNullability,
    Constraint,
    ForeignKey,
};

// A query counting the rows that would make a repair statement fail, and how
// to say so: the dry run prints it, a failed repair puts it in the DETAIL.
struct Precheck {
    String count_sql;  // returns one bigint
    String rows_one;   // "1 row of public.orders has NULL in amount"
    String rows_many;  // "%n rows of public.orders have NULL in amount"
    String hint;
    // Refuse the statement, before anything runs, when rows are counted: it
    // would not fail but would change their values (a narrowing typmod).
    bool enforce = false;
};

struct Statement {
    Phase phase;
    String sql;                     // one statement, without the trailing semicolon
    String table;                   // the table it changes, quoted, for messages
    std::optional<Precheck> check;  // set where existing rows can make it fail
};

struct DriftRow {
    Kind kind;
    std::optional<Uuid> entity_id;
    std::optional<Uuid> field_id;
    String object;
    std::optional<String> expected;
    std::optional<String> actual;
    Vector<Statement> repair;  // empty: a human must decide
    // A waiver accepts this difference until then (PostgreSQL timestamptz,
    // microseconds since 2000-01-01): reported, but not repaired in bulk.
    std::optional<std::int64_t> waived_until;

    // The repair as one runnable script: each statement ends with ';', one per line.
    std::optional<String> fix_text() const;
};

// A waiver of one difference (kind + object, as the report spells them).
struct Waiver {
    String kind;
    String object;
    std::int64_t until = 0;
};

// Marks the rows that a waiver still in force (until > now) accepts, with
// the latest such waiver's end.
void apply_waivers(Vector<DriftRow> &rows, const Vector<Waiver> &waivers, std::int64_t now);

struct DriftOptions {
    // Report only rows of this entity (the catalog may hold more, e.g. FK targets).
    std::optional<Uuid> only_entity;
    // Or only rows of these entities (a cache recomputing what changed).
    const FlatSet<Uuid> *only_entities = nullptr;
    // Fields whose entity row does not exist: invalid_metadata rows.
    const Vector<OrphanField> *orphans = nullptr;
    // Whether to check entities at all, and to report unmanaged tables (the
    // latter needs a complete catalog and no entity filter).
    bool check_entities = true;
    bool report_unmanaged = true;
};

// Every difference between the metadata and the catalog, ordered by object then
// kind. Never throws for bad metadata: that becomes invalid_metadata rows.
Vector<DriftRow> compute_drift(const Vector<Entity> &entities, const Catalog &catalog,
                               Resolver &resolver, const DriftOptions &options = {});

// The report's order: by object, then kind, then content.
void sort_drift_rows(Vector<DriftRow> &rows);

// The statements that repair these rows, in the order they must run: schemas,
// tables, columns, column changes, constraints, then foreign keys, each phase
// in row order. The fix column of each row and a repair of many rows come
// from the same statements.
// Waived rows are left out (they are repaired once unwaived or lapsed).
Vector<Statement> plan_repair(const Vector<DriftRow> &rows);


}  // namespace selegic::core
