#include "core/validate.hpp"

#include <algorithm>

#include "core/managed.hpp"
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

bool is_system_column_name(std::string_view name) {
    return name == "tableoid" || name == "ctid" || name == "xmin" || name == "xmax" ||
           name == "cmin" || name == "cmax";
}

std::optional<Problem> entity_problem(const Entity &e) {
    auto problem = [](const String &value, const char *reason) {
        return Problem{value, String(reason)};
    };
    if (e.schema_name.empty()) return problem(e.schema_name, "schema name is empty");
    if (const char *why = forbidden_schema_reason(e.schema_name)) {
        String reason = "schema \"" + e.schema_name + "\" ";
        reason += why;
        return Problem{e.schema_name, std::move(reason)};
    }
    if (e.table_name.empty()) return problem(e.table_name, "table name is empty");
    if (e.primary_key.empty()) return problem(e.primary_key, "primary key column name is empty");
    if (is_system_column_name(e.primary_key))
        return problem(e.primary_key, "primary key column name is a system column name");
    return std::nullopt;
}

Validator::Validator(const Vector<Entity> &entities, Resolver &resolver, TypeKey uuid_type)
    : r_(resolver), uuid_type_(uuid_type) {
    // Built sorted: inserting one by one into a flat map is quadratic.
    Vector<std::pair<Uuid, const Entity *>> ids;
    ids.reserve(entities.size());
    for (const Entity &e : entities) ids.emplace_back(e.id, &e);
    std::sort(ids.begin(), ids.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    ids.erase(std::unique(ids.begin(), ids.end(),
                          [](const auto &a, const auto &b) { return a.first == b.first; }),
              ids.end());
    by_id_.adopt_sequence(boost::container::ordered_unique_range, std::move(ids));
}

const Entity *Validator::entity(const Uuid &id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

FieldPlan Validator::plan_field(const Entity &e, const Field &f, Vector<Problem> &problems) {
    FieldPlan p;
    p.field = &f;
    auto invalid = [&](const String &value, std::string_view reason) {
        problems.push_back(Problem{value, to_string(reason)});
    };
    if (f.column_name.empty()) {
        invalid(f.column_name, "column name is empty");
        return p;
    }
    if (f.column_name == e.primary_key) {
        invalid(f.column_name,
                "column name is the entity's primary key column, which the entity itself "
                "describes");
        return p;
    }
    if (is_system_column_name(f.column_name)) {
        invalid(f.column_name, "column name is a system column name");
        return p;
    }
    auto on_delete = parse_on_delete(f.on_delete);
    if (!on_delete) {
        invalid(f.on_delete, "unknown ON DELETE action");
        return p;
    }
    p.on_delete = *on_delete;
    const ResolvedType &type = r_.resolve_type(e.schema_name, f.sql_type);
    if (!type.ok) {
        invalid(f.sql_type, type.error);
        return p;
    }
    p.type = type.key;
    p.usable = true;
    if (f.default_expr) {
        const ResolvedDefault &d = r_.resolve_default(e.schema_name, *f.default_expr, p.type);
        if (d.ok) {
            p.default_id = d.id;
            p.default_text = d.text;
        } else {
            p.default_ok = false;
            invalid(*f.default_expr, d.error);
        }
    }
    if (f.references_entity && p.type != uuid_type_) {
        invalid(f.sql_type,
                "a relation field must have type uuid, the type of the referenced primary key");
    } else if (f.references_entity) {
        const Entity *target = entity(*f.references_entity);
        if (!target)
            invalid(f.references_entity->to_string(), "referenced entity does not exist");
        else if (entity_problem(*target))
            invalid(f.references_entity->to_string(), "referenced entity has invalid metadata");
        else
            p.target = target;
    }
    return p;
}

}  // namespace selegic::core
