// What the metadata manages, as the DDL capture asks it: which schemas are
// managed, which entity a table belongs to, which field a column belongs to.
// Also the one rule by which a hand-made column rename is followed, shared
// with the drift report's renamed_column.
#pragma once

#include <optional>

#include "core/model.hpp"

namespace selegic::core {

// Schemas that can never hold an entity's table: PostgreSQL's own
// (pg_catalog, pg_toast, every pg_*, information_schema) and the extension's
// (selegic). Returns why, as the rest of a sentence that begins with the
// schema ("is reserved for the system"), or nullptr when it may be managed.
const char *forbidden_schema_reason(std::string_view schema);
inline bool is_forbidden_schema(std::string_view schema) {
    return forbidden_schema_reason(schema) != nullptr;
}

// Where a field's column is now, following the unresolved hand-made renames
// of its entity (oldest first, renames of renames included); nullopt when no
// rename moved it.
std::optional<String> follow_renames(const Uuid &entity_id, std::string_view column,
                                     const Vector<Rename> &renames);

struct ManagedTable {
    Uuid entity_id;
    // Column name -> field: the metadata's own names, and the names hand-made
    // renames gave them (the metadata's name wins where both exist).
    FlatMap<String, Uuid> field_by_column;

    std::optional<Uuid> field(std::string_view column) const;
};

class ManagedIndex {
public:
    static ManagedIndex build(const Vector<Entity> &entities, const Vector<Rename> &renames);

    bool empty() const { return schemas_.empty(); }
    bool schema_is_managed(std::string_view schema) const;
    const ManagedTable *table(std::string_view schema, std::string_view name) const;
    std::size_t table_count() const { return tables_.size(); }

private:
    FlatSet<String> schemas_;
    FlatMap<String, ManagedTable> tables_;  // "schema\0table"
};

}  // namespace selegic::core
