// PostgreSQL's parser and deparser behind the core's Resolver interface.
//
// Metadata text (sql_type, default_expr) is resolved the way CREATE TABLE would
// resolve it, with search_path = (entity schema, public), and cached by text so
// a hundred thousand fields cost a few dozen parses. Defaults are compared as
// trees: each distinct parsed, coerced and constant-folded expression gets an
// id, and the stored defaults of the catalog get ids from the same interner.
#pragma once

#include <functional>
#include <string_view>
#include <unordered_map>

#include <boost/container/pmr/polymorphic_allocator.hpp>

#include "core/model.hpp"
#include "pg/postgres.hpp"

namespace selegic::pg {

struct StringHash {
    std::size_t operator()(const core::String &s) const {
        return std::hash<std::string_view>()(std::string_view(s.data(), s.size()));
    }
};
// Hashed rather than flat: the keys can number in the tens of thousands.
template <class V>
using StringMap = std::unordered_map<
    core::String, V, StringHash, std::equal_to<core::String>,
    boost::container::pmr::polymorphic_allocator<std::pair<const core::String, V>>>;

class DefaultInterner {
public:
    // Id of an expression tree (0 for a NULL constant: no default).
    int intern(Node *folded);
    // Id of a stored default (pg_attrdef.adbin), memoized by its text.
    int intern_stored(std::string_view adbin);
    // The expression deparsed, names qualified where the pinned search_path needs it.
    core::String sql(int id);

private:
    struct Entry {
        Node *tree;
        core::String sql;  // empty until asked for
    };
    core::Vector<Entry> trees_;  // id - 1 -> tree
    StringMap<int> by_shape_;    // tree text without locations -> id
    // adbin text -> id; keys view strings owned by stored_text_, so a lookup
    // copies nothing.
    std::unordered_map<
        std::string_view, int, std::hash<std::string_view>, std::equal_to<>,
        boost::container::pmr::polymorphic_allocator<std::pair<const std::string_view, int>>>
        stored_;
    core::Vector<core::Vector<char>> stored_text_;
    core::String scratch_;  // the adbin being looked up, locations blanked
};

class PgResolver final : public core::Resolver {
public:
    explicit PgResolver(DefaultInterner &defaults) : defaults_(defaults) {}

    const core::ResolvedType &resolve_type(const core::String &schema,
                                           const core::String &sql_type) override;
    const core::ResolvedDefault &resolve_default(const core::String &schema,
                                                 const core::String &expr,
                                                 core::TypeKey type) override;
    core::String type_sql(core::TypeKey type) override;
    bool assignment_cast(core::TypeKey from, core::TypeKey to) override;
    bool explicit_cast(core::TypeKey from, core::TypeKey to) override;
    core::String default_sql(int default_id) override { return defaults_.sql(default_id); }
    core::String quote_ident(std::string_view ident) override;
    core::String quote_literal(std::string_view literal) override;
    core::String object_name(std::string_view schema, std::string_view table,
                             std::string_view column, std::string_view label) override;

private:
    core::ResolvedType parse_type(const core::String &schema, const core::String &sql_type);
    core::ResolvedDefault parse_default(const core::String &schema, const core::String &expr,
                                        core::TypeKey type);

    DefaultInterner &defaults_;
    core::FlatMap<core::String, core::FlatMap<core::String, core::ResolvedType>> types_;
    core::FlatMap<core::String,
                  core::FlatMap<core::TypeKey, core::FlatMap<core::String, core::ResolvedDefault>>>
        defaults_by_text_;
    core::FlatMap<core::TypeKey, core::String> type_names_;
    core::FlatSet<core::String> chosen_names_;  // "schema\0name" given out by this call
};

}  // namespace selegic::pg
