// PostgreSQL's parser and deparser behind the core's Resolver interface.
//
// Metadata text (sql_type, default_expr) is resolved the way CREATE TABLE would
// resolve it, with search_path = (entity schema, public), and cached by text so
// a hundred thousand fields cost a few dozen parses. Defaults are compared as
// trees (see fold.hpp): each distinct folded tree gets an id, and the stored
// defaults of the catalog get ids from the same interner. Each default also
// keeps its unfolded tree, which is what a report shows and a repair writes.
// Nothing here runs code written by other roles (see user_code.hpp).
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
    struct Ids {
        int id = 0;    // folded tree, for comparing (0: no default)
        int text = 0;  // unfolded tree, for showing and writing
    };
    // A cooked (parsed, coerced) default.
    Ids intern(Node *cooked);
    // A stored default (pg_attrdef.adbin), memoized by its text.
    Ids intern_stored(std::string_view adbin);
    // The deparsed expression of a text id, names qualified where the pinned
    // search_path needs it.
    core::String sql(int text);

private:
    int intern_tree(core::Vector<Node *> &trees, StringMap<int> &by_shape, Node *tree);

    core::Vector<Node *> folded_;    // id - 1 -> tree
    StringMap<int> folded_by_shape_;  // tree text without locations -> id
    core::Vector<Node *> texts_;     // text - 1 -> tree
    StringMap<int> texts_by_shape_;
    core::Vector<core::String> text_sql_;  // text - 1 -> deparsed, empty until asked
    StringMap<Ids> stored_;  // adbin without locations -> ids
    core::String scratch_;
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
    core::String default_sql(int text) override { return defaults_.sql(text); }
    core::String quote_ident(std::string_view ident) override;
    core::String quote_literal(std::string_view literal) override;
    core::String object_name(std::string_view schema, std::string_view table,
                             std::string_view column, std::string_view label) override;

    // Catalog questions (catalog_questions.cpp).
    std::optional<core::String> type_change_blocker(std::uint32_t relid,
                                                    std::int16_t attnum) override;
    std::optional<core::String> drop_not_null_blocker(std::uint32_t relid,
                                                      std::int16_t attnum) override;
    std::optional<core::String> index_drop_blocker(std::uint32_t index_relid) override;
    std::optional<core::String> type_holding_name(std::string_view schema,
                                                  std::string_view name) override;

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
