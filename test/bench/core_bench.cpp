// The pure core's share of selegic_drift(): comparison and planning of N
// entities x 20 fields against an in-sync catalog, next to a baseline that only
// walks the same structures (the floor for any comparison).
#include <benchmark/benchmark.h>

#include "fake_resolver.hpp"

namespace {

using namespace selegic;

struct World {
    core::Vector<core::Entity> entities;
    core::Catalog catalog;
};

World make_world(int n_entities) {
    World w;
    w.catalog.uuid_type = {2950, -1};
    w.catalog.complete = true;
    w.catalog.schemas.insert(core::String("public"));
    for (int e = 0; e < n_entities; ++e) {
        core::Entity ent;
        ent.id = test::uuid_n(e + 1);
        ent.schema_name = "public";
        ent.table_name = core::String("t") + std::to_string(e).c_str();
        ent.primary_key = "id";
        core::Table t;
        t.relid = 16384 + e;
        t.schema_name = ent.schema_name;
        t.name = ent.table_name;
        t.columns.push_back({core::String("id"), 1, {2950, -1}, true, 0});
        t.primary_key.push_back(1);
        for (int f = 0; f < 20; ++f) {
            core::Field fld;
            fld.id = test::uuid_n(1000000 + e * 20 + f);
            fld.column_name = core::String("field_") + std::to_string(f).c_str();
            fld.sql_type = f % 2 ? "integer" : "text";
            ent.fields.push_back(fld);
            t.columns.push_back({fld.column_name, static_cast<std::int16_t>(f + 2),
                                 f % 2 ? core::TypeKey{23, -1} : core::TypeKey{25, -1}, false, 0});
        }
        w.entities.push_back(std::move(ent));
        w.catalog.tables.push_back(std::move(t));
    }
    w.catalog.sort();
    return w;
}

void BM_ComputeDrift(benchmark::State &state) {
    World w = make_world(static_cast<int>(state.range(0)));
    test::FakeResolver resolver;
    for (auto _ : state)
        benchmark::DoNotOptimize(core::compute_drift(w.entities, w.catalog, resolver));
    state.SetItemsProcessed(state.iterations() * state.range(0) * 20);
}

void BM_WalkOnly(benchmark::State &state) {
    World w = make_world(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        std::size_t n = 0;
        for (const auto &e : w.entities) {
            const core::Table *t = w.catalog.find(e.schema_name, e.table_name);
            for (const auto &f : e.fields) n += t->column(f.column_name) != nullptr;
        }
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0) * 20);
}

BENCHMARK(BM_WalkOnly)->Arg(100)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ComputeDrift)->Arg(100)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
