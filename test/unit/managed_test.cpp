// What the capture asks the metadata: managed schemas, the entity of a table,
// the field of a column, through hand-made renames; and the schemas no
// entity may use.
#include <gtest/gtest.h>

#include "core/managed.hpp"
#include "fake_resolver.hpp"

namespace selegic::test {
namespace {

using core::Entity;
using core::Field;
using core::ManagedIndex;
using core::Rename;

Entity entity(int n, const char *schema, const char *table,
              std::initializer_list<std::pair<int, const char *>> fields) {
    Entity e;
    e.id = uuid_n(n);
    e.schema_name = schema;
    e.table_name = table;
    e.primary_key = "id";
    for (auto &[id, column] : fields) {
        Field f;
        f.id = uuid_n(id);
        f.column_name = column;
        e.fields.push_back(f);
    }
    return e;
}

Rename rename(int entity, const char *from, const char *to) {
    return Rename{uuid_n(entity), String(from), String(to)};
}

TEST(ForbiddenSchemas, SystemAndExtensionSchemasOnly) {
    for (const char *s : {"pg_catalog", "pg_toast", "pg_temp_3", "pg_x", "information_schema",
                          "selegic"})
        EXPECT_TRUE(core::is_forbidden_schema(s)) << s;
    for (const char *s : {"public", "pgx", "app", "selegic_x", "Selegic", "information"})
        EXPECT_FALSE(core::is_forbidden_schema(s)) << s;
    EXPECT_STREQ(core::forbidden_schema_reason("selegic"),
                 "belongs to the selegic_drift extension");
}

TEST(FollowRenames, ChainsOfRenamesOfOneEntityOldestFirst) {
    core::Vector<Rename> renames{rename(1, "a", "b"), rename(2, "a", "z"), rename(1, "b", "c")};
    EXPECT_EQ(*core::follow_renames(uuid_n(1), "a", renames), "c");
    EXPECT_EQ(*core::follow_renames(uuid_n(2), "a", renames), "z");
    EXPECT_FALSE(core::follow_renames(uuid_n(1), "x", renames));
    // A rename back ends where it started.
    core::Vector<Rename> back{rename(1, "a", "b"), rename(1, "b", "a")};
    EXPECT_EQ(*core::follow_renames(uuid_n(1), "a", back), "a");
}

TEST(ManagedIndex, TablesSchemasAndFields) {
    core::Vector<Entity> entities{entity(1, "app", "orders", {{11, "amount"}, {12, "note"}}),
                                  entity(2, "app", "items", {}),
                                  entity(3, "pg_catalog", "pg_class", {}),
                                  entity(4, "selegic", "drift_log", {})};
    ManagedIndex index = ManagedIndex::build(entities, {});
    EXPECT_TRUE(index.schema_is_managed("app"));
    EXPECT_FALSE(index.schema_is_managed("pg_catalog"));
    EXPECT_FALSE(index.schema_is_managed("selegic"));
    EXPECT_EQ(index.table_count(), 2u);
    const core::ManagedTable *orders = index.table("app", "orders");
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->entity_id, uuid_n(1));
    EXPECT_EQ(*orders->field("note"), uuid_n(12));
    EXPECT_FALSE(orders->field("id")) << "the primary key is the entity's, not a field's";
    EXPECT_FALSE(index.table("app", "other"));
    EXPECT_FALSE(index.table("pg_catalog", "pg_class"));
}

TEST(ManagedIndex, RenamedColumnsStayTheirFieldsAndOwnNamesWin) {
    core::Vector<Entity> entities{entity(1, "app", "orders", {{11, "amount"}, {12, "total"}})};
    // amount was renamed to total2, then a DBA renamed note... and named a
    // column after another field's column: that field keeps its name.
    core::Vector<Rename> renames{rename(1, "amount", "total2"), rename(1, "total2", "total")};
    ManagedIndex index = ManagedIndex::build(entities, renames);
    const core::ManagedTable *t = index.table("app", "orders");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t->field("amount"), uuid_n(11));
    EXPECT_EQ(*t->field("total"), uuid_n(12)) << "the metadata's own name wins";
    EXPECT_FALSE(t->field("total2")) << "only where the column is now";
}

}  // namespace
}  // namespace selegic::test
