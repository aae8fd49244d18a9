#include "core/model.hpp"

#include <algorithm>
#include <tuple>
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

std::optional<OnDelete> parse_on_delete(std::string_view text) {
    if (text == "no action") return OnDelete::NoAction;
    if (text == "restrict") return OnDelete::Restrict;
    if (text == "cascade") return OnDelete::Cascade;
    if (text == "set null") return OnDelete::SetNull;
    if (text == "set default") return OnDelete::SetDefault;
    return std::nullopt;
}

const char *on_delete_sql(OnDelete action) {
    switch (action) {
        case OnDelete::NoAction:
            return "NO ACTION";
        case OnDelete::Restrict:
            return "RESTRICT";
        case OnDelete::Cascade:
            return "CASCADE";
        case OnDelete::SetNull:
            return "SET NULL";
        case OnDelete::SetDefault:
            return "SET DEFAULT";
    }
    return "NO ACTION";
}

const Column *Table::column(std::string_view column_name) const {
    for (const Column &c : columns)
        if (c.name == column_name) return &c;
    return nullptr;
}

const Column *Table::column(std::string_view column_name, std::size_t &hint) const {
    if (hint < columns.size() && columns[hint].name == column_name) return &columns[hint++];
    const Column *c = column(column_name);
    if (c) hint = static_cast<std::size_t>(c - columns.data()) + 1;
    return c;
}

const Column *Table::column(std::int16_t attnum) const {
    // Columns are in attnum order, and without dropped ones attnum n is at n - 1.
    auto at = static_cast<std::size_t>(attnum - 1);
    if (attnum > 0 && at < columns.size() && columns[at].attnum == attnum) return &columns[at];
    auto it = std::lower_bound(columns.begin(), columns.end(), attnum,
                               [](const Column &c, std::int16_t a) { return c.attnum < a; });
    return it != columns.end() && it->attnum == attnum ? &*it : nullptr;
}

bool same_definition(const Entity &a, const Entity &b) {
    if (a.id != b.id || a.schema_name != b.schema_name || a.table_name != b.table_name ||
        a.primary_key != b.primary_key || a.fields.size() != b.fields.size())
        return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        const Field &x = a.fields[i], &y = b.fields[i];
        if (x.id != y.id || x.column_name != y.column_name || x.sql_type != y.sql_type ||
            x.is_nullable != y.is_nullable || x.default_expr != y.default_expr ||
            x.is_unique != y.is_unique || x.references_entity != y.references_entity ||
            x.on_delete != y.on_delete)
            return false;
    }
    return true;
}

namespace {
bool table_less(const Table &a, const Table &b) {
    return std::tie(a.schema_name, a.name) < std::tie(b.schema_name, b.name);
}
}  // namespace

void Catalog::sort() {
    std::sort(tables.begin(), tables.end(), table_less);
}

const Table *Catalog::find(std::string_view schema, std::string_view name) const {
    auto it = std::lower_bound(
        tables.begin(), tables.end(), std::make_pair(schema, name),
        [](const Table &t, const std::pair<std::string_view, std::string_view> &k) {
            int c = std::string_view(t.schema_name).compare(k.first);
            return c != 0 ? c < 0 : std::string_view(t.name) < k.second;
        });
    if (it != tables.end() && it->schema_name == schema && it->name == name) return &*it;
    return nullptr;
}

}  // namespace selegic::core
