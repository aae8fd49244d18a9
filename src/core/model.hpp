// The two sides the core compares: the Selegic metadata (what should be) and
// a snapshot of the catalog (what is), plus the interface through which the
// core asks the boundary to resolve metadata text with PostgreSQL's parser.
#pragma once

#include <optional>

#include "core/types.hpp"

namespace selegic::core {

// ON DELETE actions, spelled with pg_constraint.confdeltype's letters.
enum class OnDelete : char {
    NoAction = 'a',
    Restrict = 'r',
    Cascade = 'c',
    SetNull = 'n',
    SetDefault = 'd',
};

// Maps selegic.field.on_delete ('no action', 'cascade', ...) to the action;
// nullopt for anything else.
std::optional<OnDelete> parse_on_delete(std::string_view text);
// The SQL spelling used after ON DELETE ("CASCADE", "SET NULL", ...).
const char *on_delete_sql(OnDelete action);

// ON UPDATE uses the same letters; MATCH types are 's', 'f', 'p'.
enum class FkMatch : char { Simple = 's', Full = 'f', Partial = 'p' };

// A type as PostgreSQL identifies it: (type oid, typmod).
struct TypeKey {
    std::uint32_t oid = 0;
    std::int32_t typmod = -1;
    friend bool operator==(const TypeKey &a, const TypeKey &b) {
        return a.oid == b.oid && a.typmod == b.typmod;
    }
    friend bool operator!=(const TypeKey &a, const TypeKey &b) { return !(a == b); }
    friend bool operator<(const TypeKey &a, const TypeKey &b) {
        return a.oid != b.oid ? a.oid < b.oid : a.typmod < b.typmod;
    }
};

// ---------------------------------------------------------------- metadata

struct Field {
    Uuid id;
    String column_name;
    String sql_type;
    bool is_nullable = true;
    std::optional<String> default_expr;
    bool is_unique = false;
    std::optional<Uuid> references_entity;
    String on_delete = String("no action");
};

struct Entity {
    Uuid id;
    String slug;
    String schema_name;
    String table_name;
    String primary_key;
    Vector<Field> fields;
    // False for an entity loaded only because a field of the entity being
    // checked references it: it is a foreign-key target, not itself checked.
    bool checked = true;
};

// Whether two entities describe the same table: names, key and every field
// (a cache compares the metadata it computed from with the current one).
bool same_definition(const Entity &a, const Entity &b);

// A field whose entity row does not exist (a logical replication apply
// worker can deliver the field first).
struct OrphanField {
    Uuid id;
    Uuid entity_id;
    String column_name;
};

struct Metadata {
    Vector<Entity> entities;
    Vector<OrphanField> orphans;
};

// ---------------------------------------------------------------- catalog

struct Column {
    String name;
    std::int16_t attnum = 0;
    TypeKey type;
    bool not_null = false;
    int default_id = 0;  // 0: no default; otherwise the id of its folded tree
    int default_text = 0;  // the stored expression as written, for display
    bool inherited = false;  // attinhcount > 0: from a parent or partitioned table
    char identity = '\0';   // attidentity
    char generated = '\0';  // attgenerated
};

// A single-column unique constraint, or a plain unique index on one column.
struct UniqueKey {
    String name;
    std::int16_t attnum = 0;
    bool is_constraint = true;
    bool inherited = false;      // a partition's copy of its parent's constraint or index
    std::uint32_t index_relid = 0;  // the index (behind the constraint)
};

struct ForeignKey {
    String name;
    Vector<std::int16_t> attnums;
    std::uint32_t ref_relid = 0;
    Vector<std::int16_t> ref_attnums;
    OnDelete on_delete = OnDelete::NoAction;
    OnDelete on_update = OnDelete::NoAction;
    FkMatch match = FkMatch::Simple;
    bool deferrable = false;
    bool deferred = false;
    Vector<std::int16_t> delete_set_columns;  // ON DELETE SET NULL (cols), PostgreSQL 15
    bool validated = true;
    bool inherited = false;  // cloned from a partitioned parent's key
    // Names of the referenced table and columns, for display and for DROP.
    String ref_schema;
    String ref_table;
    Vector<String> ref_columns;
};

struct Table {
    std::uint32_t relid = 0;
    String schema_name;
    String name;
    char relkind = 'r';  // pg_class.relkind
    bool is_partition = false;
    bool typed = false;  // CREATE TABLE ... OF type: columns come from the type
    Vector<std::int16_t> partition_key;  // partitioned tables: key columns (0: an expression)
    Vector<Column> columns;  // attnum order (column(attnum) relies on it), user columns only
    Vector<std::int16_t> primary_key;
    Vector<UniqueKey> uniques;
    Vector<ForeignKey> foreign_keys;

    const Column *column(std::string_view column_name) const;
    // The same, looking first where hint points (fields usually come in the
    // columns' order); hint moves past the column found.
    const Column *column(std::string_view column_name, std::size_t &hint) const;
    const Column *column(std::int16_t attnum) const;
    bool is_table() const { return relkind == 'r' || relkind == 'p'; }
    bool is_partitioned() const { return relkind == 'p'; }
};

// A column rename the drift log recorded and nobody has resolved yet: how a
// field's column can be found under another name.
struct Rename {
    Uuid entity_id;
    String old_name;
    String new_name;
};

struct Catalog {
    // Relations found under the names entities use, and in full mode every
    // table of every managed schema, sorted by (schema, name).
    Vector<Table> tables;
    // Schemas that exist, among those the metadata names.
    FlatSet<String> schemas;
    // True when every table of every managed schema was read, so tables that no
    // entity names can be reported.
    bool complete = false;
    TypeKey uuid_type;
    // Unresolved manual column renames, oldest first.
    Vector<Rename> renames;

    const Table *find(std::string_view schema, std::string_view name) const;
    void sort();
};

// ---------------------------------------------------------------- resolution

struct ResolvedType {
    bool ok = false;
    TypeKey key;
    String error;  // why the text is not a usable type
};

struct ResolvedDefault {
    bool ok = false;
    int id = 0;    // 0: no default (including one that folds to NULL); else its folded tree
    int text = 0;  // the expression as resolved but not folded: what a repair writes
    String error;  // why the expression is not a usable default
};

// What the core needs from PostgreSQL: its parser, its deparser and its quoting.
// The boundary implements it with caches; unit tests with a table.
class Resolver {
public:
    virtual ~Resolver() = default;
    // sql_type as if search_path were (schema, public).
    virtual const ResolvedType &resolve_type(const String &schema, const String &sql_type) = 0;
    // default_expr parsed as if search_path were (schema, public), coerced to
    // type and constant-folded. Equal trees get equal ids, whatever the text.
    virtual const ResolvedDefault &resolve_default(const String &schema, const String &expr,
                                                   TypeKey type) = 0;
    virtual String type_sql(TypeKey type) = 0;  // format_type, qualified where needed
    // Whether PostgreSQL converts from -> to on assignment (as INSERT would),
    // rather than only with an explicit cast.
    virtual bool assignment_cast(TypeKey from, TypeKey to) = 0;
    // Whether any cast converts from -> to (an explicit one included).
    virtual bool explicit_cast(TypeKey from, TypeKey to) = 0;
    // The SQL of a default's text id (ResolvedDefault::text, Column::default_text).
    virtual String default_sql(int default_text) = 0;
    virtual String quote_ident(std::string_view ident) = 0;
    virtual String quote_literal(std::string_view literal) = 0;
    // A name for a new constraint, PostgreSQL's way (table_column_label,
    // truncated to fit), made unique with a number where the schema already
    // has a relation or constraint of that name, or this call chose it.
    virtual String object_name(std::string_view schema, std::string_view table,
                               std::string_view column, std::string_view label) = 0;

    // Catalog questions asked only for the few rows that need them.
    // Why ALTER COLUMN ... TYPE cannot change this column in place (a view,
    // rule, policy, trigger or generated column uses it), or nullopt.
    virtual std::optional<String> type_change_blocker(std::uint32_t relid,
                                                      std::int16_t attnum) = 0;
    // Why DROP NOT NULL cannot run on this column (NOT NULL in a parent table,
    // the replica identity index), or nullopt.
    virtual std::optional<String> drop_not_null_blocker(std::uint32_t relid,
                                                        std::int16_t attnum) = 0;
    // What depends on this index (a foreign key), so that it cannot be dropped.
    virtual std::optional<String> index_drop_blocker(std::uint32_t index_relid) = 0;
    // A type (domain, enum, composite, ...) that holds the name a new table needs.
    virtual std::optional<String> type_holding_name(std::string_view schema,
                                                    std::string_view name) = 0;
};

}  // namespace selegic::core
