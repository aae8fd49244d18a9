#include "fake_resolver.hpp"

#include <cstdio>
#include <set>

namespace selegic::test {

FakeResolver::FakeResolver() {
    add_type("integer", {23, -1}, "integer");
    add_type("int4", {23, -1}, "integer");
    add_type("int", {23, -1}, "integer");
    add_type("bigint", {20, -1}, "bigint");
    add_type("int8", {20, -1}, "bigint");
    add_type("text", {25, -1}, "text");
    add_type("uuid", {2950, -1}, "uuid");
    add_type("boolean", {16, -1}, "boolean");
    add_type("varchar(255)", {1043, 259}, "character varying(255)");
    add_type("character varying(255)", {1043, 259}, "character varying(255)");
    add_type("varchar(100)", {1043, 104}, "character varying(100)");
    add_type("numeric(12,2)", {1700, 786438}, "numeric(12,2)");
    add_type("numeric(14,2)", {1700, 917510}, "numeric(14,2)");
    add_type("timestamptz", {1184, -1}, "timestamp with time zone");
    add_default("0", 23, "0");
    add_default("'0'::integer", 23, "0");
    add_default("0", 20, "'0'::bigint");
    add_default("now()", 1184, "now()");
    add_default("'abc'", 25, "'abc'::text");
    add_default("NULL", 23, "");
}

void FakeResolver::add_type(const std::string &spelling, TypeKey key,
                            const std::string &canonical) {
    types_[spelling] = key;
    type_names_[{key.oid, key.typmod}] = canonical;
}

void FakeResolver::add_default(const std::string &spelling, std::uint32_t type_oid,
                               const std::string &canonical) {
    defaults_[{spelling, type_oid}] = canonical;
}

int FakeResolver::default_id(const std::string &canonical, std::uint32_t type_oid) {
    if (canonical.empty()) return 0;  // folds to NULL: no default
    auto key = std::make_pair(canonical, type_oid);
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    int id = static_cast<int>(ids_.size()) + 1;
    ids_[key] = id;
    id_sql_[id] = canonical;
    return id;
}

const core::ResolvedType &FakeResolver::resolve_type(const String &schema, const String &sql_type) {
    std::string key = std::string(schema.c_str()) + '\0' + sql_type.c_str();
    auto cached = type_cache_.find(key);
    if (cached != type_cache_.end()) return cached->second;
    ++type_resolutions;
    core::ResolvedType r;
    auto it = types_.find(sql_type.c_str());
    if (it == types_.end()) {
        r.error = String("type \"") + sql_type + "\" does not exist";
    } else {
        r.ok = true;
        r.key = it->second;
    }
    return type_cache_[key] = r;
}

const core::ResolvedDefault &FakeResolver::resolve_default(const String &, const String &expr,
                                                           TypeKey type) {
    std::string key = std::string(expr.c_str()) + '\0' + std::to_string(type.oid);
    core::ResolvedDefault r;
    auto it = defaults_.find({expr.c_str(), type.oid});
    if (it == defaults_.end()) {
        r.error = String("syntax error in default expression");
    } else {
        r.ok = true;
        r.id = default_id(it->second, type.oid);
        if (r.id) r.text = text_id(expr.c_str());
    }
    return default_cache_[key] = r;
}

String FakeResolver::type_sql(TypeKey type) {
    auto it = type_names_.find({type.oid, type.typmod});
    return it == type_names_.end() ? String("?") : String(it->second.c_str());
}

// As pg_cast has it for the types registered above: within the integers,
// within the strings, and any typmod change of one type.
bool FakeResolver::assignment_cast(TypeKey from, TypeKey to) {
    auto family = [](std::uint32_t oid) {
        if (oid == 20 || oid == 23) return 1;
        if (oid == 25 || oid == 1043) return 2;
        return static_cast<int>(oid) + 100;
    };
    return family(from.oid) == family(to.oid);
}

// Everything converts through text, except to and from uuid.
bool FakeResolver::explicit_cast(TypeKey from, TypeKey to) {
    if (from.oid == to.oid) return true;
    return from.oid != 2950 && to.oid != 2950;
}

// Text ids are the spellings themselves (1000 up); fold ids the canonical
// trees. A catalog default displays as its canonical spelling.
int FakeResolver::text_id(const std::string &spelling) {
    auto it = text_ids_.find(spelling);
    if (it != text_ids_.end()) return it->second;
    int id = 1000 + static_cast<int>(text_ids_.size());
    text_ids_[spelling] = id;
    id_sql_[id] = spelling;
    return id;
}

int FakeResolver::display_of(int default_id) {
    if (default_id == 0) return 0;
    return text_id(id_sql_.at(default_id));
}

String FakeResolver::default_sql(int id) {
    return String(id_sql_.at(id).c_str());
}

std::optional<String> FakeResolver::type_change_blocker(std::uint32_t relid, std::int16_t attnum) {
    auto it = type_blockers.find({relid, attnum});
    if (it == type_blockers.end()) return std::nullopt;
    return String(it->second.c_str());
}

std::optional<String> FakeResolver::drop_not_null_blocker(std::uint32_t relid,
                                                          std::int16_t attnum) {
    auto it = not_null_blockers.find({relid, attnum});
    if (it == not_null_blockers.end()) return std::nullopt;
    return String(it->second.c_str());
}

std::optional<String> FakeResolver::index_drop_blocker(std::uint32_t index_relid) {
    auto it = index_blockers.find(index_relid);
    if (it == index_blockers.end()) return std::nullopt;
    return String(it->second.c_str());
}

std::optional<String> FakeResolver::type_holding_name(std::string_view schema,
                                                      std::string_view name) {
    auto it = types_holding_names.find(std::string(schema) + "." + std::string(name));
    if (it == types_holding_names.end()) return std::nullopt;
    return String(it->second.c_str());
}

String FakeResolver::quote_ident(std::string_view ident) {
    static const std::set<std::string_view> keywords = {"select", "table", "order", "user", "from"};
    bool safe = !ident.empty() && ((ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_');
    for (char c : ident)
        safe = safe && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (safe && !keywords.count(ident)) return core::to_string(ident);
    String out("\"");
    for (char c : ident) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

String FakeResolver::quote_literal(std::string_view literal) {
    String out("'");
    for (char c : literal) {
        if (c == '\'') out += '\'';
        out += c;
    }
    out += '\'';
    return out;
}

String FakeResolver::object_name(std::string_view schema, std::string_view table,
                                 std::string_view column, std::string_view label) {
    for (int pass = 0;; ++pass) {
        std::string l(label);
        if (pass > 0) l += std::to_string(pass);
        std::string s = std::string(table) + "_" + std::string(column);
        if (s.size() + 1 + l.size() > 63) s.resize(63 - 1 - l.size());
        s += "_" + l;
        std::string key = std::string(schema) + "." + s;
        if (taken_names.count(key)) continue;
        taken_names.insert(key);
        return String(s.c_str());
    }
}

core::Uuid uuid_n(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-0000-0000-%012d", n);
    return core::Uuid::parse(buf);
}

}  // namespace selegic::test
