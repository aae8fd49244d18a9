// Classification and repair planning of every drift kind, on hand-built
// metadata and catalogs.
#include <gtest/gtest.h>

#include "drift_fixture.hpp"

namespace selegic::test {
namespace {

TEST_F(DriftTest, InSyncEntityGivesNoRows) {
    Entity &e = entity(1, "orders");
    field(e, 11, "amount", "int4").is_nullable = false;
    field(e, 12, "name", "character varying(255)").default_expr = String("'abc'");
    field(e, 13, "code", "text").is_unique = true;
    Table &t = table(100, "orders");
    column(t, "amount", kInt, true);
    column(t, "name", kVarchar255, false, 0);
    column(t, "code", kText);
    t.uniques.push_back({String("orders_code_key"), 4, true});
    // 'abc' for varchar(255) is registered below: the same tree as the column's default.
    resolver.add_default("'abc'", 1043, "'abc'::character varying");
    t.columns[2].default_id = resolver.default_id("'abc'::character varying", 1043);
    EXPECT_TRUE(drift().empty());
}

TEST_F(DriftTest, MissingTableIsOneRowWithCreateAndForeignKeys) {
    Entity &customers = entity(1, "customers");
    table(100, "customers");
    Entity &orders = entity(2, "orders");
    field(orders, 21, "total", "bigint").is_nullable = false;
    Field &cust = field(orders, 22, "customer_id", "uuid");
    cust.references_entity = customers.id;
    cust.on_delete = "cascade";
    field(orders, 23, "code", "text").is_unique = true;

    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_table");
    EXPECT_EQ(rows[0].object, "public.orders");
    EXPECT_EQ(*rows[0].entity_id, orders.id);
    EXPECT_FALSE(rows[0].field_id);
    EXPECT_EQ(str(rows[0].expected), "table");
    EXPECT_EQ(str(rows[0].actual), "<null>");
    EXPECT_EQ(fix(rows[0]),
              "CREATE TABLE public.orders (id uuid PRIMARY KEY, code text CONSTRAINT "
              "orders_code_key UNIQUE, customer_id uuid, total bigint NOT NULL);\n"
              "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
              "(customer_id) REFERENCES public.customers(id) ON DELETE CASCADE NOT VALID;\n"
              "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_fkey;");
    EXPECT_EQ(rows[0].repair[0].phase, core::Phase::Table);
    EXPECT_EQ(rows[0].repair[1].phase, core::Phase::ForeignKey);
}

TEST_F(DriftTest, MissingTableInMissingSchemaCreatesTheSchemaFirst) {
    entity(1, "t", "Sales Dept");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(fix(rows[0]),
              "CREATE SCHEMA IF NOT EXISTS \"Sales Dept\";\n"
              "CREATE TABLE \"Sales Dept\".t (id uuid PRIMARY KEY);");
    EXPECT_EQ(rows[0].repair[0].phase, core::Phase::Schema);
}

TEST_F(DriftTest, NonTableHoldingTheNameNeedsAHuman) {
    entity(1, "orders");
    Table &t = table(100, "orders");
    t.relkind = 'v';
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_table");
    EXPECT_EQ(str(rows[0].actual), "view");
    EXPECT_EQ(fix(rows[0]), "<null>");
}

TEST_F(DriftTest, MissingPrimaryKey) {
    entity(1, "orders");
    Table &t = table(100, "orders");
    t.primary_key.clear();
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_primary_key");
    EXPECT_EQ(str(rows[0].expected), "PRIMARY KEY (id)");
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders ADD PRIMARY KEY (id);");
}

TEST_F(DriftTest, MissingPrimaryKeyColumnIsAddedWithFreshKeys) {
    entity(1, "orders");
    Table &t = table(100, "orders");
    t.columns.clear();
    t.primary_key.clear();
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(
        fix(rows[0]),
        "ALTER TABLE public.orders ADD COLUMN id uuid DEFAULT pg_catalog.gen_random_uuid() "
              "PRIMARY KEY;");
}

TEST_F(DriftTest, PrimaryKeyOnOtherColumnsNeedsAHuman) {
    entity(1, "orders");
    Table &t = table(100, "orders");
    column(t, "code", kText, true);
    t.primary_key = {2};
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);  // and code is an extra column
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_primary_key");
    EXPECT_EQ(str(rows[0].actual), "PRIMARY KEY (code)");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_STREQ(core::kind_name(rows[1].kind), "extra_column");
}

TEST_F(DriftTest, MissingColumnCarriesUniqueAndForeignKey) {
    Entity &c = entity(1, "customers");
    table(100, "customers");
    Entity &o = entity(2, "orders");
    Field &f = field(o, 21, "customer_id", "uuid");
    f.references_entity = c.id;
    f.is_unique = true;
    f.is_nullable = false;
    table(200, "orders");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_column");
    EXPECT_EQ(rows[0].object, "public.orders.customer_id");
    EXPECT_EQ(*rows[0].field_id, f.id);
    EXPECT_EQ(str(rows[0].expected), "uuid NOT NULL UNIQUE REFERENCES public.customers(id)");
    EXPECT_EQ(fix(rows[0]),
              "ALTER TABLE public.orders ADD COLUMN customer_id uuid NOT NULL CONSTRAINT "
              "orders_customer_id_key UNIQUE;\n"
              "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
              "(customer_id) REFERENCES public.customers(id) NOT VALID;\n"
              "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_fkey;");
}

TEST_F(DriftTest, MissingColumnExpectedIsTheFullDefinition) {
    Entity &e = entity(1, "orders");
    field(e, 11, "amount", "bigint").default_expr = String("0");
    e.fields.back().is_nullable = false;
    table(100, "orders");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(str(rows[0].expected), "bigint NOT NULL DEFAULT 0");
    EXPECT_EQ(fix(rows[0]),
              "ALTER TABLE public.orders ADD COLUMN amount bigint NOT NULL DEFAULT 0;");
}

TEST_F(DriftTest, SemanticTypeEqualityAndTypmods) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "varchar(255)");
    field(e, 12, "b", "int4");
    field(e, 13, "c", "varchar(100)");
    Table &t = table(100, "orders");
    column(t, "a", kVarchar255);
    column(t, "b", kInt);
    column(t, "c", kVarchar255);
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "type_mismatch");
    EXPECT_EQ(rows[0].object, "public.orders.c");
    EXPECT_EQ(str(rows[0].expected), "character varying(100)");
    EXPECT_EQ(str(rows[0].actual), "character varying(255)");
    EXPECT_EQ(fix(rows[0]),
              "ALTER TABLE public.orders ALTER COLUMN c TYPE character varying(100);");
}

TEST_F(DriftTest, NullabilityMismatchBothWays) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "integer").is_nullable = false;
    field(e, 12, "b", "integer");
    Table &t = table(100, "orders");
    column(t, "a", kInt, false);
    column(t, "b", kInt, true);
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(str(rows[0].expected), "NOT NULL");
    EXPECT_EQ(str(rows[0].actual), "NULL");
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders ALTER COLUMN a SET NOT NULL;");
    EXPECT_EQ(fix(rows[1]), "ALTER TABLE public.orders ALTER COLUMN b DROP NOT NULL;");
}

TEST_F(DriftTest, DefaultsCompareByResolvedTreeNotText) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "integer").default_expr = String("0");
    field(e, 12, "b", "integer").default_expr = String("'0'::integer");
    field(e, 13, "c", "integer");                             // no default, column has one
    field(e, 14, "d", "integer").default_expr = String("0");  // column has none
    field(e, 15, "n", "integer").default_expr = String("NULL");
    Table &t = table(100, "orders");
    int zero = resolver.default_id("0", 23);
    column(t, "a", kInt, false, zero);
    column(t, "b", kInt, false, zero);
    column(t, "c", kInt, false, zero);
    column(t, "d", kInt, false, 0);
    column(t, "n", kInt, false, 0);
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].object, "public.orders.c");
    EXPECT_EQ(str(rows[0].expected), "<null>");
    EXPECT_EQ(str(rows[0].actual), "0");
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders ALTER COLUMN c DROP DEFAULT;");
    EXPECT_EQ(rows[1].object, "public.orders.d");
    EXPECT_EQ(fix(rows[1]), "ALTER TABLE public.orders ALTER COLUMN d SET DEFAULT 0;");
}

TEST_F(DriftTest, TypeMismatchAloneIsNotADefaultMismatch) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "bigint").default_expr = String("0");
    Table &t = table(100, "orders");
    column(t, "a", kInt, false, resolver.default_id("0", 23));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "type_mismatch");
}

TEST_F(DriftTest, UniqueMismatchAddsOrDrops) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "text").is_unique = true;
    field(e, 12, "b", "text");
    field(e, 13, "c", "text");
    field(e, 14, "d", "text").is_unique = true;
    Table &t = table(100, "orders");
    column(t, "a", kText);
    column(t, "b", kText);
    column(t, "c", kText);
    column(t, "d", kText);
    t.uniques.push_back({String("orders_b_key"), 3, true});
    t.uniques.push_back({String("b_idx"), 4, false});
    t.uniques.push_back({String("d_idx"), 5, false});  // an index satisfies is_unique
    auto rows = drift();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].object, "public.orders.a");
    EXPECT_EQ(str(rows[0].expected), "UNIQUE (a)");
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders ADD CONSTRAINT orders_a_key UNIQUE (a);");
    EXPECT_EQ(str(rows[1].actual), "UNIQUE (b)");
    EXPECT_EQ(fix(rows[1]), "ALTER TABLE public.orders DROP CONSTRAINT orders_b_key;");
    EXPECT_EQ(str(rows[2].actual), "UNIQUE INDEX b_idx (c)");
    EXPECT_EQ(fix(rows[2]), "DROP INDEX public.b_idx;");
}

class ForeignKeyTest : public DriftTest {
protected:
    ForeignKeyTest() {
        Entity &c = entity(1, "customers");
        table(100, "customers");
        Entity &o = entity(2, "orders");
        Field &f = field(o, 21, "customer_id", "uuid");
        f.references_entity = c.id;
        f.on_delete = "set null";
        Table &t = table(200, "orders");
        column(t, "customer_id", {2950, -1});
    }
    Table &orders() {
        for (Table &t : catalog.tables)
            if (t.name == "orders") return t;
        throw std::logic_error("no orders");
    }
    core::ForeignKey fk(const char *name, std::uint32_t ref, core::OnDelete action,
                        bool validated = true) {
        core::ForeignKey k;
        k.name = name;
        k.attnums = {2};
        k.ref_relid = ref;
        k.ref_attnums = {1};
        k.on_delete = action;
        k.validated = validated;
        k.ref_schema = "public";
        k.ref_table = ref == 100 ? "customers" : "other";
        k.ref_columns = {String("id")};
        return k;
    }
};

TEST_F(ForeignKeyTest, MatchingKeyIsClean) {
    orders().foreign_keys.push_back(fk("orders_customer_id_fkey", 100, core::OnDelete::SetNull));
    EXPECT_TRUE(drift().empty());
}

TEST_F(ForeignKeyTest, MissingKeyIsAddedNotValidThenValidated) {
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "foreign_key_mismatch");
    EXPECT_EQ(str(rows[0].expected),
              "FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE SET NULL");
    EXPECT_EQ(str(rows[0].actual), "<null>");
    EXPECT_EQ(fix(rows[0]),
              "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
              "(customer_id) REFERENCES public.customers(id) ON DELETE SET NULL NOT VALID;\n"
              "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_fkey;");
}

TEST_F(ForeignKeyTest, WrongActionIsReplaced) {
    orders().foreign_keys.push_back(fk("orders_customer_id_fkey", 100, core::OnDelete::Cascade));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(str(rows[0].actual),
              "FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE");
    EXPECT_EQ(rows[0].repair.size(), 3u);
    EXPECT_EQ(rows[0].repair[0].sql,
              "ALTER TABLE public.orders DROP CONSTRAINT orders_customer_id_fkey");
}

TEST_F(ForeignKeyTest, WrongTargetIsReplaced) {
    orders().foreign_keys.push_back(fk("fk_other", 300, core::OnDelete::SetNull));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(str(rows[0].actual),
              "FOREIGN KEY (customer_id) REFERENCES public.other(id) ON DELETE SET NULL");
    EXPECT_EQ(rows[0].repair[0].sql, "ALTER TABLE public.orders DROP CONSTRAINT fk_other");
}

TEST_F(ForeignKeyTest, NotValidKeyIsValidated) {
    orders().foreign_keys.push_back(fk("k", 100, core::OnDelete::SetNull, false));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders VALIDATE CONSTRAINT k;");
}

TEST_F(ForeignKeyTest, KeyOnNonRelationFieldIsDropped) {
    entities.back().fields.back().references_entity.reset();
    orders().foreign_keys.push_back(fk("k", 100, core::OnDelete::SetNull));
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(str(rows[0].expected), "<null>");
    EXPECT_EQ(fix(rows[0]), "ALTER TABLE public.orders DROP CONSTRAINT k;");
}

TEST_F(ForeignKeyTest, RelationFieldOfAnotherTypeIsInvalid) {
    entities.back().fields.back().sql_type = "text";
    orders().columns.back().type = kText;
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "invalid_metadata");
    EXPECT_EQ(str(rows[0].expected), "text");
    EXPECT_EQ(str(rows[0].actual),
              "a relation field must have type uuid, the type of the referenced primary key");
}

TEST_F(DriftTest, RenamedColumnKnownFromTheLogIsRenamedBack) {
    Entity &e = entity(1, "orders");
    field(e, 11, "amount", "integer").is_nullable = false;
    Table &t = table(100, "orders");
    column(t, "total2", kInt, false);  // renamed twice by hand, and made nullable
    catalog.renames.push_back({e.id, String("amount"), String("total")});
    catalog.renames.push_back(
        {uuid_n(99), String("total"), String("elsewhere")});  // another entity
    catalog.renames.push_back({e.id, String("total"), String("total2")});
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "nullability_mismatch");
    EXPECT_EQ(rows[0].object, "public.orders.amount");
    EXPECT_STREQ(core::kind_name(rows[1].kind), "renamed_column");
    EXPECT_EQ(rows[1].object, "public.orders.amount");
    EXPECT_EQ(str(rows[1].expected), "amount");
    EXPECT_EQ(str(rows[1].actual), "total2");
    EXPECT_EQ(fix(rows[1]), "ALTER TABLE public.orders RENAME COLUMN total2 TO amount;");
    // The rename runs before the column's other repairs, which use its metadata name.
    auto plan = core::plan_repair(rows);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].sql, "ALTER TABLE public.orders RENAME COLUMN total2 TO amount");
    EXPECT_EQ(plan[1].sql, "ALTER TABLE public.orders ALTER COLUMN amount SET NOT NULL");
}

TEST_F(DriftTest, RenameWithoutTheColumnIsStillMissing) {
    Entity &e = entity(1, "orders");
    field(e, 11, "amount", "integer");
    table(100, "orders");
    catalog.renames.push_back({e.id, String("amount"), String("gone")});
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_column");
}

TEST_F(DriftTest, ExtraColumnAndUnmanagedTable) {
    entity(1, "orders");
    Table &t = table(100, "orders");
    column(t, "legacy", kText, true);
    table(200, "stale_orders");
    table(300, "elsewhere", "other_schema");  // not a managed schema
    Table &part = table(400, "orders_2024");
    part.is_partition = true;
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "extra_column");
    EXPECT_EQ(str(rows[0].actual), "text NOT NULL");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_STREQ(core::kind_name(rows[1].kind), "unmanaged_table");
    EXPECT_EQ(rows[1].object, "public.stale_orders");
    EXPECT_FALSE(rows[1].entity_id);
}

TEST_F(DriftTest, InvalidMetadataDoesNotStopTheReport) {
    Entity &bad = entity(1, "pg_class", "pg_catalog");
    field(bad, 11, "x", "integer");
    Entity &e = entity(2, "orders");
    field(e, 21, "a", "no_such_type");
    field(e, 22, "b", "integer").default_expr = String("1 +");
    field(e, 23, "id", "uuid");
    field(e, 24, "c", "integer");
    table(100, "orders");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0].object, "pg_catalog.pg_class");
    EXPECT_EQ(str(rows[0].expected), "pg_catalog");
    EXPECT_EQ(str(rows[0].actual), "schema \"pg_catalog\" is reserved for the system");
    EXPECT_EQ(rows[1].object, "public.orders.a");
    EXPECT_EQ(str(rows[1].actual), "type \"no_such_type\" does not exist");
    // b: an invalid default, yet its column is still checked (and missing).
    EXPECT_EQ(rows[2].object, "public.orders.b");
    EXPECT_STREQ(core::kind_name(rows[2].kind), "invalid_metadata");
    EXPECT_EQ(str(rows[2].expected), "1 +");
    EXPECT_EQ(rows[3].object, "public.orders.b");
    EXPECT_STREQ(core::kind_name(rows[3].kind), "missing_column");
    EXPECT_EQ(fix(rows[3]), "ALTER TABLE public.orders ADD COLUMN b integer;");
    EXPECT_EQ(rows[4].object, "public.orders.c");
    EXPECT_STREQ(core::kind_name(rows[4].kind), "missing_column");
    EXPECT_EQ(rows[5].object, "public.orders.id");
    EXPECT_STREQ(core::kind_name(rows[5].kind), "invalid_metadata");
}

TEST_F(DriftTest, FieldNamedLikePrimaryKeyIsInvalid) {
    Entity &e = entity(2, "orders");
    field(e, 23, "id", "uuid");
    table(100, "orders");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "invalid_metadata");
    EXPECT_EQ(rows[0].object, "public.orders.id");
}

TEST_F(DriftTest, HostileIdentifiersAreQuotedEverywhere) {
    Entity &e = entity(1, "Order Items", "Sales \"EU\"");
    catalog.schemas.insert(String("Sales \"EU\""));
    field(e, 11, "select", "integer").is_unique = true;
    field(e, 12, "x\"; DROP TABLE t; --", "integer");
    table(100, "Order Items", "Sales \"EU\"");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].object, "\"Sales \"\"EU\"\"\".\"Order Items\".\"select\"");
    EXPECT_EQ(fix(rows[0]),
              "ALTER TABLE \"Sales \"\"EU\"\"\".\"Order Items\" ADD COLUMN \"select\" integer "
              "CONSTRAINT \"Order Items_select_key\" UNIQUE;");
    EXPECT_EQ(fix(rows[1]),
              "ALTER TABLE \"Sales \"\"EU\"\"\".\"Order Items\" ADD COLUMN "
              "\"x\"\"; DROP TABLE t; --\" integer;");
}

TEST_F(DriftTest, ConstraintNamesNeverCollide) {
    // Two long columns that truncate to the same name, and a name already taken.
    Entity &e = entity(1, "t");
    std::string a(60, 'a'), b = a;
    a += "one";
    b += "two";
    field(e, 11, a.c_str(), "text").is_unique = true;
    field(e, 12, b.c_str(), "text").is_unique = true;
    field(e, 13, "code", "text").is_unique = true;
    resolver.taken_names.insert("public.t_code_key");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    std::string create = fix(rows[0]);
    // 63 bytes at most: the longer label leaves room for one 'a' less.
    std::string first = "t_" + std::string(57, 'a') + "_key";
    std::string second = "t_" + std::string(56, 'a') + "_key1";
    EXPECT_NE(create.find("CONSTRAINT " + first + " UNIQUE"), std::string::npos) << create;
    EXPECT_NE(create.find("CONSTRAINT " + second + " UNIQUE"), std::string::npos) << create;
    EXPECT_NE(create.find("CONSTRAINT t_code_key1 UNIQUE"), std::string::npos) << create;
}

TEST_F(ForeignKeyTest, ReplacedKeyKeepsItsName) {
    orders().foreign_keys.push_back(fk("orders_customer_id_fkey", 100, core::OnDelete::Cascade));
    resolver.taken_names.insert("public.orders_customer_id_fkey");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_EQ(rows[0].repair.size(), 3u);
    EXPECT_EQ(rows[0].repair[1].sql,
              "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
              "(customer_id) REFERENCES public.customers(id) ON DELETE SET NULL NOT VALID");
}

TEST_F(DriftTest, FilterByEntityKeepsOnlyItsRows) {
    Entity &a = entity(1, "a");
    Entity &b = entity(2, "b");
    field(a, 11, "x", "integer");
    field(b, 21, "y", "integer");
    table(100, "a");
    table(200, "b");
    table(300, "stray");
    auto rows = drift(b.id);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].object, "public.b.y");
    (void)a;
}

TEST_F(DriftTest, OrderIsByObjectThenKind) {
    Entity &e = entity(1, "t");
    field(e, 11, "b", "integer").is_nullable = false;
    e.fields.back().is_unique = true;
    field(e, 12, "a", "integer");
    Table &t = table(100, "t");
    column(t, "b", kBigint, false);
    t.primary_key.clear();
    auto rows = drift();
    ASSERT_EQ(rows.size(), 5u);
    std::vector<std::string> got;
    for (auto &r : rows)
        got.push_back(std::string(r.object.c_str()) + " " + core::kind_name(r.kind));
    EXPECT_EQ(got,
              (std::vector<std::string>{"public.t missing_primary_key", "public.t.a missing_column",
                                        "public.t.b nullability_mismatch",
                                        "public.t.b type_mismatch", "public.t.b unique_mismatch"}));
}

TEST_F(DriftTest, TypesAreResolvedOncePerSpelling) {
    for (int i = 0; i < 50; ++i) {
        std::string name = "t" + std::to_string(i);
        Entity &e = entity(i + 1, name.c_str());
        field(e, 1000 + i, "a", "integer");
        field(e, 2000 + i, "b", "text");
    }
    drift();
    EXPECT_EQ(resolver.type_resolutions, 2);
}

}  // namespace
}  // namespace selegic::test
