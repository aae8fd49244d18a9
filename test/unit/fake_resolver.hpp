// A table-driven stand-in for PostgreSQL's parser and quoting, so the core can
// be tested without a server. Spellings are registered by each test.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/drift.hpp"

namespace selegic::test {

using core::String;
using core::TypeKey;

class FakeResolver : public core::Resolver {
public:
    FakeResolver();

    // Registers one spelling of a type, and its canonical spelling.
    void add_type(const std::string &spelling, TypeKey key, const std::string &canonical);
    // Registers a default spelling that, for the given type, means `canonical`.
    void add_default(const std::string &spelling, std::uint32_t type_oid,
                     const std::string &canonical);
    // The id a catalog column carries for `canonical` of that type.
    int default_id(const std::string &canonical, std::uint32_t type_oid);
    // The display (text) id of a catalog default with that id: its canonical spelling.
    int display_of(int default_id);

    const core::ResolvedType &resolve_type(const String &schema, const String &sql_type) override;
    const core::ResolvedDefault &resolve_default(const String &schema, const String &expr,
                                                 TypeKey type) override;
    String type_sql(TypeKey type) override;
    bool assignment_cast(TypeKey from, TypeKey to) override;
    bool explicit_cast(TypeKey from, TypeKey to) override;
    String default_sql(int default_id) override;
    String quote_ident(std::string_view ident) override;
    String quote_literal(std::string_view literal) override;
    String object_name(std::string_view schema, std::string_view table, std::string_view column,
                       std::string_view label) override;
    std::optional<String> type_change_blocker(std::uint32_t relid, std::int16_t attnum) override;
    std::optional<String> drop_not_null_blocker(std::uint32_t relid, std::int16_t attnum) override;
    std::optional<String> index_drop_blocker(std::uint32_t index_relid) override;
    std::optional<String> type_holding_name(std::string_view schema, std::string_view name) override;

    std::set<std::string> taken_names;  // "schema.name" already in the catalog
    // Catalog facts the tests set: (relid, attnum) or index relid -> reason.
    std::map<std::pair<std::uint32_t, std::int16_t>, std::string> type_blockers, not_null_blockers;
    std::map<std::uint32_t, std::string> index_blockers;
    std::map<std::string, std::string> types_holding_names;  // "schema.name" -> description

    int type_resolutions = 0;

private:
    std::map<std::string, TypeKey> types_;
    std::map<std::pair<std::uint32_t, std::int32_t>, std::string> type_names_;
    std::map<std::pair<std::string, std::uint32_t>, std::string> defaults_;
    std::map<std::pair<std::string, std::uint32_t>, int> ids_;
    std::map<int, std::string> id_sql_;
    std::map<std::string, int> text_ids_;  // spelling -> text id (from 1000 up)
    int text_id(const std::string &spelling);
    std::map<std::string, core::ResolvedType> type_cache_;
    std::map<std::string, core::ResolvedDefault> default_cache_;
};

core::Uuid uuid_n(int n);

}  // namespace selegic::test
