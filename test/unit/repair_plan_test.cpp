// Repair planning: statement order across rows, the prechecks that let a dry
// run say why a statement would fail, and type changes that carry a default.
#include <gtest/gtest.h>

#include "fake_resolver.hpp"

namespace selegic::test {
namespace {

using core::Phase;

class RepairPlanTest : public ::testing::Test {
protected:
    RepairPlanTest() {
        catalog.uuid_type = {2950, -1};
        catalog.complete = true;
        catalog.schemas.insert(String("public"));
        entities.reserve(16);
        catalog.tables.reserve(16);
    }
    core::Entity &entity(int n, const char *table) {
        core::Entity e;
        e.id = uuid_n(n);
        e.schema_name = "public";
        e.table_name = table;
        e.primary_key = "id";
        entities.push_back(e);
        return entities.back();
    }
    static core::Field &field(core::Entity &e, int n, const char *column, const char *type) {
        core::Field f;
        f.id = uuid_n(n);
        f.column_name = column;
        f.sql_type = type;
        e.fields.push_back(f);
        return e.fields.back();
    }
    core::Table &table(std::uint32_t relid, const char *name) {
        core::Table t;
        t.relid = relid;
        t.schema_name = "public";
        t.name = name;
        t.columns.push_back({String("id"), 1, {2950, -1}, true, 0});
        t.primary_key.push_back(1);
        catalog.tables.push_back(t);
        return catalog.tables.back();
    }
    core::Vector<core::DriftRow> drift() {
        catalog.sort();
        return core::compute_drift(entities, catalog, resolver);
    }
    // A catalog column with a stored default, as the catalog reader makes it.
    core::Column with_default(core::Column c, const char *canonical, std::uint32_t type_oid) {
        c.default_id = resolver.default_id(canonical, type_oid);
        c.default_text = resolver.display_of(c.default_id);
        return c;
    }
    static core::Statement only_statement(const core::Vector<core::DriftRow> &rows) {
        EXPECT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows.at(0).repair.size(), 1u);
        return rows.at(0).repair.at(0);
    }

    FakeResolver resolver;
    core::Vector<core::Entity> entities;
    core::Catalog catalog;
};

TEST_F(RepairPlanTest, PhasesOrderTablesColumnsConstraintsThenForeignKeys) {
    core::Entity &a = entity(1, "a");  // missing, references b
    core::Entity &b = entity(2, "b");  // missing
    core::Entity &c = entity(3, "c");  // exists: missing column, nullability, unique
    field(a, 11, "b_id", "uuid").references_entity = b.id;
    field(c, 31, "x", "integer").is_unique = true;
    field(c, 32, "y", "integer").is_nullable = false;
    core::Table &t = table(300, "c");
    t.columns.push_back({String("y"), 2, {23, -1}, false, 0});
    (void)a;

    auto plan = core::plan_repair(drift());
    std::vector<std::string> got;
    for (auto &s : plan) got.push_back(s.sql.c_str());
    std::vector<std::string> want = {
        "CREATE TABLE public.a (id uuid PRIMARY KEY, b_id uuid)",
        "CREATE TABLE public.b (id uuid PRIMARY KEY)",
        "ALTER TABLE public.c ADD COLUMN x integer CONSTRAINT c_x_key UNIQUE",
        "ALTER TABLE public.c ALTER COLUMN y SET NOT NULL",
        "ALTER TABLE public.a ADD CONSTRAINT a_b_id_fkey FOREIGN KEY (b_id) REFERENCES "
        "public.b(id) NOT VALID",
        "ALTER TABLE public.a VALIDATE CONSTRAINT a_b_id_fkey",
    };
    EXPECT_EQ(got, want);
    for (std::size_t i = 1; i < plan.size(); ++i)
        EXPECT_LE(static_cast<int>(plan[i - 1].phase), static_cast<int>(plan[i].phase));
}

TEST_F(RepairPlanTest, SetNotNullCountsNullRows) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "amount", "integer").is_nullable = false;
    table(100, "orders").columns.push_back({String("amount"), 2, {23, -1}, false, 0});
    const core::Statement s = only_statement(drift());
    ASSERT_TRUE(s.check);
    EXPECT_EQ(s.table, "public.orders");
    EXPECT_EQ(s.check->count_sql, "SELECT pg_catalog.count(*) FROM public.orders WHERE amount IS NULL");
    EXPECT_EQ(s.check->rows_many, "%n rows of public.orders have NULL in amount");
    EXPECT_EQ(s.check->rows_one, "1 row of public.orders has NULL in amount");
}

TEST_F(RepairPlanTest, NotNullColumnWithoutDefaultNeedsAnEmptyTable) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "amount", "integer").is_nullable = false;
    field(e, 12, "qty", "integer").is_nullable = false;
    e.fields.back().default_expr = String("0");
    table(100, "orders");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_TRUE(rows[0].repair[0].check);
    EXPECT_EQ(rows[0].repair[0].check->count_sql, "SELECT pg_catalog.count(*) FROM public.orders");
    EXPECT_EQ(rows[0].repair[0].check->rows_many,
              "%n rows of public.orders exist, and the new NOT NULL column amount has no default");
    EXPECT_FALSE(rows[1].repair[0].check) << "a default fills existing rows";
}

TEST_F(RepairPlanTest, AssignmentCastNeedsNoUsingAndMustKeepValues) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "amount", "bigint").default_expr = String("0");
    table(100, "orders")
        .columns.push_back(with_default({String("amount"), 2, {23, -1}, false, 0}, "0", 23));
    const core::Statement s = only_statement(drift());
    EXPECT_EQ(s.sql, "ALTER TABLE public.orders ALTER COLUMN amount TYPE bigint");
    ASSERT_TRUE(s.check);
    EXPECT_EQ(s.check->count_sql,
              "SELECT selegic.uncastable_rows('public.orders', 'amount', 'bigint', true)");
    EXPECT_TRUE(s.check->enforce) << "an assignment cast may cut or round silently";
}

TEST_F(RepairPlanTest, ExplicitCastMovesTheDefaultAndFailsByItself) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "note", "integer").default_expr = String("0");
    table(100, "orders")
        .columns.push_back(with_default({String("note"), 2, {25, -1}, false, 0}, "'abc'::text", 25));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);  // and a default_mismatch: 'abc' is not 0
    EXPECT_STREQ(core::kind_name(rows[1].kind), "type_mismatch");
    const core::Statement s = rows[1].repair.at(0);
    EXPECT_EQ(s.sql,
              "ALTER TABLE public.orders ALTER COLUMN note DROP DEFAULT, ALTER COLUMN note TYPE "
              "integer USING note::integer, ALTER COLUMN note SET DEFAULT 0");
    ASSERT_TRUE(s.check);
    EXPECT_EQ(s.check->count_sql,
              "SELECT selegic.uncastable_rows('public.orders', 'note', 'integer', false)");
    EXPECT_FALSE(s.check->enforce) << "a value that does not cast fails the statement by itself";
}

TEST_F(RepairPlanTest, NarrowingTypmodIsRefusedNotTruncated) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "code", "varchar(100)");
    table(100, "orders").columns.push_back({String("code"), 2, {1043, 259}, false, 0});
    const core::Statement s = only_statement(drift());
    EXPECT_EQ(s.sql, "ALTER TABLE public.orders ALTER COLUMN code TYPE character varying(100)");
    ASSERT_TRUE(s.check);
    EXPECT_TRUE(s.check->enforce);
    EXPECT_EQ(
        s.check->count_sql,
        "SELECT selegic.uncastable_rows('public.orders', 'code', 'character varying(100)', true)");
    EXPECT_EQ(s.check->rows_many,
              "%n rows of public.orders have values in code that do not convert to character "
              "varying(100) unchanged");
}

TEST_F(RepairPlanTest, NoCastAtAllNeedsAHuman) {
    core::Entity &e = entity(1, "orders");
    field(e, 11, "ref", "uuid");
    table(100, "orders").columns.push_back({String("ref"), 2, {23, -1}, false, 0});
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "type_mismatch");
    EXPECT_TRUE(rows[0].repair.empty());
    EXPECT_FALSE(rows[0].fix_text());
}

TEST_F(RepairPlanTest, UniqueAndForeignKeyChecks) {
    core::Entity &c = entity(1, "customers");
    table(100, "customers");
    core::Entity &o = entity(2, "orders");
    field(o, 21, "code", "text").is_unique = true;
    field(o, 22, "customer_id", "uuid").references_entity = c.id;
    core::Table &t = table(200, "orders");
    t.columns.push_back({String("code"), 2, {25, -1}, false, 0});
    t.columns.push_back({String("customer_id"), 3, {2950, -1}, false, 0});
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    const auto &unique = rows[0].repair.at(0);
    ASSERT_TRUE(unique.check);
    EXPECT_EQ(unique.check->count_sql,
              "SELECT COALESCE(pg_catalog.sum(n), 0)::pg_catalog.int8 FROM (SELECT pg_catalog.count(*) "
              "AS n FROM public.orders WHERE code IS NOT NULL GROUP BY code HAVING "
              "pg_catalog.count(*) > 1) AS duplicates");
    const auto &validate = rows[1].repair.at(1);
    ASSERT_TRUE(validate.check);
    EXPECT_EQ(validate.check->count_sql,
              "SELECT pg_catalog.count(*) FROM public.orders AS c WHERE c.customer_id IS NOT NULL AND "
              "NOT EXISTS (SELECT FROM public.customers AS p WHERE p.id OPERATOR(pg_catalog.=) "
              "c.customer_id)");
    EXPECT_FALSE(rows[1].repair.at(0).check) << "NOT VALID checks nothing";
}

}  // namespace
}  // namespace selegic::test
