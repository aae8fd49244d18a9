#include "core/managed.hpp"

#include <algorithm>
#include <iterator>

#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

namespace {
bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Names cannot hold a NUL: "schema\0table" is unambiguous.
String table_key(std::string_view schema, std::string_view table) {
    String key(schema.data(), schema.size());
    key.push_back('\0');
    key.append(table.data(), table.size());
    return key;
}
}  // namespace

const char *forbidden_schema_reason(std::string_view schema) {
    if (schema == "selegic") return "belongs to the selegic_drift extension";
    if (schema == "information_schema" || starts_with(schema, "pg_"))
        return "is reserved for the system";
    return nullptr;
}

std::optional<String> follow_renames(const Uuid &entity_id, std::string_view column,
                                     const Vector<Rename> &renames) {
    std::optional<String> now;
    std::string_view name = column;
    for (const Rename &r : renames) {
        if (r.entity_id == entity_id && r.old_name == name) {
            now = r.new_name;
            name = *now;
        }
    }
    return now;
}

std::optional<Uuid> ManagedTable::field(std::string_view column) const {
    auto it = field_by_column.find(String(column.data(), column.size()));
    if (it == field_by_column.end()) return std::nullopt;
    return it->second;
}

ManagedIndex ManagedIndex::build(const Vector<Entity> &entities, const Vector<Rename> &renames) {
    ManagedIndex index;
    Vector<String> schemas;
    Vector<std::pair<String, ManagedTable>> tables;
    tables.reserve(entities.size());
    for (const Entity &e : entities) {
        if (e.schema_name.empty() || is_forbidden_schema(e.schema_name)) continue;
        schemas.push_back(e.schema_name);
        ManagedTable t;
        t.entity_id = e.id;
        Vector<std::pair<String, Uuid>> fields;
        fields.reserve(e.fields.size());
        for (const Field &f : e.fields) {
            fields.emplace_back(f.column_name, f.id);
            if (auto now = follow_renames(e.id, f.column_name, renames))
                fields.emplace_back(std::move(*now), f.id);
        }
        // Stable: the metadata's own name comes first for its field, and a
        // field's own name comes before a name a rename gave another column.
        std::stable_sort(fields.begin(), fields.end(), [](const auto &a, const auto &b) {
            return a.first < b.first;
        });
        auto own_first = [&](auto &a, auto &b) { return a.first == b.first; };
        // Among equal names, prefer the one that is some field's own column name.
        for (auto it = fields.begin(); it != fields.end();) {
            auto end = std::find_if(it, fields.end(), [&](const auto &f) { return f.first != it->first; });
            for (auto own = it; own != end; ++own) {
                bool is_own = std::any_of(e.fields.begin(), e.fields.end(), [&](const Field &f) {
                    return f.id == own->second && f.column_name == own->first;
                });
                if (is_own) {
                    std::iter_swap(it, own);
                    break;
                }
            }
            it = end;
        }
        fields.erase(std::unique(fields.begin(), fields.end(), own_first), fields.end());
        t.field_by_column.adopt_sequence(boost::container::ordered_unique_range,
                                         Vector<std::pair<String, Uuid>>(std::move(fields)));
        tables.emplace_back(table_key(e.schema_name, e.table_name), std::move(t));
    }
    std::sort(schemas.begin(), schemas.end());
    schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
    index.schemas_.adopt_sequence(boost::container::ordered_unique_range, std::move(schemas));
    std::sort(tables.begin(), tables.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    tables.erase(std::unique(tables.begin(), tables.end(),
                             [](const auto &a, const auto &b) { return a.first == b.first; }),
                 tables.end());
    index.tables_.adopt_sequence(boost::container::ordered_unique_range, std::move(tables));
    return index;
}

bool ManagedIndex::schema_is_managed(std::string_view schema) const {
    return schemas_.find(String(schema.data(), schema.size())) != schemas_.end();
}

const ManagedTable *ManagedIndex::table(std::string_view schema, std::string_view name) const {
    auto it = tables_.find(table_key(schema, name));
    return it == tables_.end() ? nullptr : &it->second;
}

}  // namespace selegic::core
