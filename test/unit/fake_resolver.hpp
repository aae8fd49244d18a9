// A table-driven stand-in for PostgreSQL's parser and quoting, so the core can
// be tested without a server. Spellings are registered by each test.
#pragma once

#include <map>
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
    std::set<std::string> taken_names;  // "schema.name" already in the catalog

    int type_resolutions = 0;

private:
    std::map<std::string, TypeKey> types_;
    std::map<std::pair<std::uint32_t, std::int32_t>, std::string> type_names_;
    std::map<std::pair<std::string, std::uint32_t>, std::string> defaults_;
    std::map<std::pair<std::string, std::uint32_t>, int> ids_;
    std::map<int, std::string> id_sql_;
    std::map<std::string, core::ResolvedType> type_cache_;
    std::map<std::string, core::ResolvedDefault> default_cache_;
};

core::Uuid uuid_n(int n);

}  // namespace selegic::test
