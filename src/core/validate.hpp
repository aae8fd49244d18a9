// Metadata checks: whether an entity or a field can be realised at all, and
// the field resolved into what the comparison needs. Each problem is found
// once, with the offending value and the reason.
#pragma once

#include "core/model.hpp"

namespace selegic::core {

struct Problem {
    String value;   // the offending metadata value
    String reason;  // why it cannot be realised
};

// Column names PostgreSQL reserves for system columns.
bool is_system_column_name(std::string_view name);

// Why an entity cannot be realised at all, or nullopt.
std::optional<Problem> entity_problem(const Entity &e);

// A field with its metadata resolved, ready to compare or create.
struct FieldPlan {
    const Field *field = nullptr;
    bool usable = false;  // type resolved: the column can be compared or created
    TypeKey type;
    OnDelete on_delete = OnDelete::NoAction;
    bool default_ok = true;  // false: default_expr is invalid, defaults not compared
    int default_id = 0;      // folded tree, for comparing
    int default_text = 0;    // as resolved, for writing
    const Entity *target = nullptr;  // referenced entity, when valid
};

class Validator {
public:
    Validator(const Vector<Entity> &entities, Resolver &resolver, TypeKey uuid_type);

    const Entity *entity(const Uuid &id) const;
    // Resolves f; every problem found is appended to problems.
    FieldPlan plan_field(const Entity &e, const Field &f, Vector<Problem> &problems);

private:
    Resolver &r_;
    TypeKey uuid_type_;
    FlatMap<Uuid, const Entity *> by_id_;
};

}  // namespace selegic::core
