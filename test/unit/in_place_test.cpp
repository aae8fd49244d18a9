// Differences PostgreSQL cannot repair in place get no fix and say why, so
// that a repair of everything else goes ahead; foreign keys compare on their
// whole definition; fields without an entity and forbidden schemas are
// invalid metadata.
#include "drift_fixture.hpp"

namespace selegic::test {
namespace {

using core::ForeignKey;
using core::OnDelete;

TEST_F(DriftTest, InheritedColumnTypeIsChangedOnTheParent) {
    Entity &e = entity(1, "child");
    field(e, 11, "amount", "bigint");
    Table &t = table(100, "child");
    column(t, "amount", kInt).inherited = true;
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[0].actual),
              "integer; the column is inherited from a parent table; change it there");
}

TEST_F(DriftTest, APartitionTakesNoColumnOfItsOwn) {
    Entity &e = entity(1, "part");
    field(e, 11, "amount", "bigint");
    field(e, 12, "added", "text");
    Table &t = table(100, "part");
    t.is_partition = true;
    column(t, "amount", kInt).inherited = true;
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_column");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[0].actual), "the table is a partition; change the partitioned table instead");
    EXPECT_STREQ(core::kind_name(rows[1].kind), "type_mismatch");
    EXPECT_EQ(fix(rows[1]), "<null>");
}

TEST_F(DriftTest, PartitionedTableKeysMustIncludeThePartitionKey) {
    Entity &e = entity(1, "measures");
    field(e, 11, "at", "integer");
    field(e, 12, "v", "integer").is_unique = true;
    Table &t = table(100, "measures");
    t.relkind = 'p';
    t.primary_key.clear();
    column(t, "at", kInt);
    column(t, "v", kInt);
    t.partition_key.push_back(2);  // at
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_primary_key");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[0].actual),
              "a primary key on a partitioned table must include its partition key");
    EXPECT_STREQ(core::kind_name(rows[1].kind), "unique_mismatch");
    EXPECT_EQ(fix(rows[1]), "<null>");
    // A unique key on the partition key column itself is possible.
    entities[0].fields[0].is_unique = true;
    auto again = drift();
    ASSERT_EQ(again.size(), 3u);
    EXPECT_EQ(again[1].object, "public.measures.at");
    EXPECT_EQ(fix(again[1]), "ALTER TABLE public.measures ADD CONSTRAINT measures_at_key UNIQUE (at);");
}

TEST_F(DriftTest, ColumnsOthersDependOnReportTheDependent) {
    Entity &e = entity(1, "orders");
    field(e, 11, "qty", "bigint");
    field(e, 12, "code", "text");
    Table &t = table(100, "orders");
    column(t, "qty", kInt);
    column(t, "code", kText);
    t.uniques.push_back({String("orders_code_key"), 3, true, false, 900});
    resolver.type_blockers[{100, 2}] = "the column is used by view public.v";
    resolver.index_blockers[900] = "the unique key is referenced by constraint fk on table x";
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(str(rows[0].actual),
              "UNIQUE (code); the unique key is referenced by constraint fk on table x");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[1].actual), "integer; the column is used by view public.v");
    EXPECT_EQ(fix(rows[1]), "<null>");
}

TEST_F(DriftTest, IdentityAndGeneratedColumnsKeepTheirNature) {
    Entity &e = entity(1, "orders");
    field(e, 11, "n", "bigint").default_expr = String("0");
    field(e, 12, "g", "integer").default_expr = String("0");
    Table &t = table(100, "orders");
    Column &n = column(t, "n", kBigint, true);
    n.identity = 'a';
    column(t, "g", kInt).generated = 's';
    resolver.add_default("0", 20, "'0'::bigint");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].object, "public.orders.g");
    EXPECT_EQ(str(rows[0].actual), "the column is a generated column");
    EXPECT_EQ(str(rows[1].actual), "the column is an identity column");
    EXPECT_STREQ(core::kind_name(rows[2].kind), "nullability_mismatch");
    EXPECT_EQ(str(rows[2].actual), "NOT NULL; an identity column is always NOT NULL");
    for (const auto &row : rows) EXPECT_EQ(fix(row), "<null>");
}

TEST_F(DriftTest, DroppingNotNullOfAPrimaryKeyColumnOrWhereAParentHasIt) {
    Entity &e = entity(1, "orders");
    field(e, 11, "a", "integer");
    field(e, 12, "b", "integer");
    Table &t = table(100, "orders");
    column(t, "a", kInt, true);
    column(t, "b", kInt, true);
    t.primary_key.push_back(2);  // (id, a)
    resolver.not_null_blockers[{100, 3}] = "the column is NOT NULL in the parent table public.p";
    auto rows = drift();
    ASSERT_EQ(rows.size(), 3u);  // and missing_primary_key: another key is in place
    EXPECT_EQ(str(rows[1].actual), "NOT NULL; the column is part of the primary key");
    EXPECT_EQ(str(rows[2].actual), "NOT NULL; the column is NOT NULL in the parent table public.p");
}

TEST_F(DriftTest, ATypeHoldingTheNameStopsCreateTable) {
    entity(1, "orders");
    resolver.types_holding_names["public.orders"] = "the name is held by type public.orders";
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "missing_table");
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[0].actual), "the name is held by type public.orders");
}

TEST_F(DriftTest, ForbiddenSchemasAreInvalidMetadataAndNeverManaged) {
    Entity &own = entity(1, "drift_log", "selegic");
    field(own, 11, "action", "text").is_unique = true;
    entity(2, "things", "pg_x");
    Table &log = table(100, "drift_log", "selegic");
    column(log, "action", kText);
    table(101, "field", "selegic");
    auto rows = drift();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "invalid_metadata");
    EXPECT_EQ(rows[0].object, "pg_x.things");
    EXPECT_EQ(str(rows[0].actual), "schema \"pg_x\" is reserved for the system");
    EXPECT_EQ(rows[1].object, "selegic.drift_log");
    EXPECT_EQ(str(rows[1].actual), "schema \"selegic\" belongs to the selegic_drift extension");
}

TEST_F(DriftTest, FieldsWithoutTheirEntityAreInvalid) {
    core::Vector<core::OrphanField> orphans{{uuid_n(11), uuid_n(9), String("amount")}};
    catalog.sort();
    core::DriftOptions options;
    options.orphans = &orphans;
    auto rows = core::compute_drift(entities, catalog, resolver, options);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_STREQ(core::kind_name(rows[0].kind), "invalid_metadata");
    EXPECT_EQ(rows[0].field_id, uuid_n(11));
    EXPECT_EQ(rows[0].entity_id, uuid_n(9));
    EXPECT_EQ(str(rows[0].expected), uuid_n(9).to_string().c_str());
}

class WholeForeignKeyTest : public DriftTest {
protected:
    WholeForeignKeyTest() {
        entity(1, "customers");
        table(100, "customers");
        Entity &o = entity(2, "orders");
        field(o, 21, "customer_id", "uuid").references_entity = uuid_n(1);
        column(table(200, "orders"), "customer_id", {2950, -1});
    }
    ForeignKey &key() {
        ForeignKey fk;
        fk.name = "orders_customer_id_fkey";
        fk.attnums.push_back(2);
        fk.ref_relid = 100;
        fk.ref_attnums.push_back(1);
        fk.ref_schema = "public";
        fk.ref_table = "customers";
        fk.ref_columns.push_back(String("id"));
        catalog.tables.back().foreign_keys.push_back(fk);
        return catalog.tables.back().foreign_keys.back();
    }
};

TEST_F(WholeForeignKeyTest, EveryPartOfTheDefinitionCounts) {
    struct Case {
        const char *actual;
        void (*change)(ForeignKey &);
    };
    const Case cases[] = {
        {"FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON UPDATE CASCADE",
         [](ForeignKey &k) { k.on_update = OnDelete::Cascade; }},
        {"FOREIGN KEY (customer_id) REFERENCES public.customers(id) MATCH FULL",
         [](ForeignKey &k) { k.match = core::FkMatch::Full; }},
        {"FOREIGN KEY (customer_id) REFERENCES public.customers(id) DEFERRABLE INITIALLY DEFERRED",
         [](ForeignKey &k) { k.deferrable = k.deferred = true; }},
        {"FOREIGN KEY (customer_id) REFERENCES public.customers(id) DEFERRABLE",
         [](ForeignKey &k) { k.deferrable = true; }},
    };
    for (const Case &c : cases) {
        catalog.tables.back().foreign_keys.clear();
        c.change(key());
        auto rows = drift();
        ASSERT_EQ(rows.size(), 1u) << c.actual;
        EXPECT_EQ(str(rows[0].expected),
                  "FOREIGN KEY (customer_id) REFERENCES public.customers(id)");
        EXPECT_EQ(str(rows[0].actual), c.actual);
        EXPECT_EQ(fix(rows[0]),
                  "ALTER TABLE public.orders DROP CONSTRAINT orders_customer_id_fkey;\n"
                  "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY "
                  "(customer_id) REFERENCES public.customers(id) NOT VALID;\n"
                  "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_id_fkey;");
    }
    catalog.tables.back().foreign_keys.clear();
    key();
    EXPECT_TRUE(drift().empty()) << "the API's own key";
}

TEST_F(WholeForeignKeyTest, InheritedKeysStayAndTargetsWithoutAKeyGetNone) {
    key().inherited = true;
    catalog.tables.back().foreign_keys.back().on_delete = OnDelete::Cascade;
    auto rows = drift();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(fix(rows[0]), "<null>");
    EXPECT_EQ(str(rows[0].actual),
              "FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE; the "
              "foreign key orders_customer_id_fkey is inherited from the partitioned table");
    // The target has its key on another column: no key can be added.
    catalog.tables.back().foreign_keys.clear();
    catalog.tables[0].primary_key.clear();
    column(catalog.tables[0], "code", kText);
    catalog.tables[0].primary_key.push_back(2);
    rows = drift();
    // customers: its key is on code (missing_primary_key, extra_column); orders: no key.
    ASSERT_EQ(rows.size(), 3u);
    const DriftRow &fk = rows[2];
    EXPECT_STREQ(core::kind_name(fk.kind), "foreign_key_mismatch");
    EXPECT_EQ(fix(fk), "<null>");
    EXPECT_EQ(str(fk.actual),
              "the referenced table public.customers has its primary key on other columns");
}

}  // namespace
}  // namespace selegic::test
