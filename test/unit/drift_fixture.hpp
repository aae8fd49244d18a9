// The fixture of the core's drift tests: hand-built metadata and catalogs
// compared through the table-driven FakeResolver.
#pragma once

#include <gtest/gtest.h>

#include "fake_resolver.hpp"

namespace selegic::test {

using core::Catalog;
using core::Column;
using core::DriftRow;
using core::Entity;
using core::Field;
using core::Kind;
using core::Table;

class DriftTest : public ::testing::Test {
protected:
    DriftTest() {
        catalog.uuid_type = {2950, -1};
        catalog.complete = true;
        catalog.schemas.insert(String("public"));
        // The helpers hand out references; keep them valid while a test builds.
        entities.reserve(256);
        catalog.tables.reserve(256);
    }

    Entity &entity(int n, const char *table, const char *schema = "public") {
        Entity e;
        e.id = uuid_n(n);
        e.schema_name = schema;
        e.table_name = table;
        e.primary_key = "id";
        entities.push_back(e);
        return entities.back();
    }

    static Field &field(Entity &e, int n, const char *column, const char *type) {
        Field f;
        f.id = uuid_n(n);
        f.column_name = column;
        f.sql_type = type;
        e.fields.push_back(f);
        return e.fields.back();
    }

    Table &table(std::uint32_t relid, const char *name, const char *schema = "public") {
        Table t;
        t.relid = relid;
        t.schema_name = schema;
        t.name = name;
        t.columns.push_back(Column{String("id"), 1, {2950, -1}, true, 0});
        t.primary_key.push_back(1);
        catalog.tables.push_back(t);
        return catalog.tables.back();
    }

    Column &column(Table &t, const char *name, core::TypeKey type, bool not_null = false,
                   int default_id = 0) {
        auto attnum = static_cast<std::int16_t>(t.columns.size() + 1);
        Column c{String(name), attnum, type, not_null, default_id};
        c.default_text = resolver.display_of(default_id);
        t.columns.push_back(c);
        return t.columns.back();
    }

    core::Vector<DriftRow> drift(std::optional<core::Uuid> only = std::nullopt) {
        catalog.sort();
        core::DriftOptions options;
        options.only_entity = only;
        return core::compute_drift(entities, catalog, resolver, options);
    }

    static std::string fix(const DriftRow &row) {
        auto text = row.fix_text();
        return text ? std::string(text->c_str()) : std::string("<null>");
    }
    static std::string str(const std::optional<String> &s) {
        return s ? std::string(s->c_str()) : std::string("<null>");
    }

    static constexpr core::TypeKey kInt{23, -1};
    static constexpr core::TypeKey kBigint{20, -1};
    static constexpr core::TypeKey kText{25, -1};
    static constexpr core::TypeKey kVarchar255{1043, 259};
    static constexpr core::TypeKey kVarchar100{1043, 104};

    FakeResolver resolver;
    core::Vector<Entity> entities;
    Catalog catalog;
};

}  // namespace selegic::test
