#include "pg/drift_cache.hpp"

#include <algorithm>
#include <unordered_map>

#include <boost/container/pmr/polymorphic_allocator.hpp>

#include "pg/drift_engine.hpp"
#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/metadata_reader.hpp"

extern "C" {
#include "catalog/index.h"
}

extern "C" {
#include "utils/inval.h"
}

namespace selegic::pg {

using core::Uuid;

namespace {

// ------------------------------------------------------------------ invalidation
// The callbacks may run in the middle of any catalog access: they only set
// flags and remember relation OIDs in a fixed array (no allocation), and the
// next call works out what they mean.

constexpr int kMaxPending = 1024;
Oid pending[kMaxPending];
int n_pending = 0;
bool flush_all = true;  // nothing valid yet
bool metadata_dirty = false;
bool renames_dirty = false;
bool rules_changed = false;
Oid entity_relid = InvalidOid, field_relid = InvalidOid, log_relid = InvalidOid;

void on_relcache(Datum, Oid relid) {
    if (!OidIsValid(relid)) {
        flush_all = true;
    } else if (relid == entity_relid || relid == field_relid) {
        metadata_dirty = true;
    } else if (relid == log_relid) {
        renames_dirty = true;
    } else if (n_pending == kMaxPending) {
        flush_all = true;
    } else {
        pending[n_pending++] = relid;
    }
}

// Types, functions, casts, operators, collations, enum labels, schemas: the
// metadata's text may resolve differently now.
void on_resolution_change(Datum, int, uint32) {
    flush_all = true;
}

// A view or rule made or dropped: it sends no invalidation of the tables it
// reads, yet it decides whether their columns' types can change.
void on_rule_change(Datum, int, uint32) {
    rules_changed = true;
}

// ------------------------------------------------------------------ state

template <class V>
using OidMap =
    std::unordered_map<Oid, V, std::hash<Oid>, std::equal_to<Oid>,
                       boost::container::pmr::polymorphic_allocator<std::pair<const Oid, V>>>;

struct EntityEntry {
    core::Vector<core::DriftRow> rows;
    bool has_type_change = false;  // recomputed when views or rules change
};

struct State {
    core::Metadata metadata;  // sorted by entity id
    core::FlatMap<Uuid, EntityEntry> entities;
    core::Vector<core::DriftRow> unmanaged;
    core::Vector<core::DriftRow> orphans;
    OidMap<core::Vector<Uuid>> dependents;  // relid -> entities
    // Every relation of the managed schemas, as it was: a rename, a drop or a
    // partition attached changes the unmanaged tables; a new column does not.
    struct RelationShape {
        Oid nsp;
        core::String name;
        char relkind;
        bool is_partition;
    };
    OidMap<RelationShape> managed_relids;
    core::FlatSet<Oid> managed_namespaces;
    core::FlatMap<core::String, core::Vector<Uuid>> entities_by_name;  // "schema\0table"
};

constexpr std::size_t kMaxBytes = 64u << 20;
OwnedResource memory;
State *state = nullptr;

core::String name_key(std::string_view schema, std::string_view table) {
    core::String key(schema.data(), schema.size());
    key.push_back('\0');
    key.append(table.data(), table.size());
    return key;
}

bool has_type_change(const core::Vector<core::DriftRow> &rows) {
    return std::any_of(rows.begin(), rows.end(),
                       [](const core::DriftRow &r) { return r.kind == core::Kind::TypeMismatch; });
}

const core::Entity *find_entity(const State &s, const Uuid &id) {
    auto it = std::lower_bound(s.metadata.entities.begin(), s.metadata.entities.end(), id,
                               [](const core::Entity &e, const Uuid &key) { return e.id < key; });
    return it != s.metadata.entities.end() && it->id == id ? &*it : nullptr;
}

// The State lives in the cache's memory. Everything is computed in the call's
// memory and then copied into the State while InCache points the default
// resource at the cache: the core's structs are not allocator-aware, so a
// copy's containers take the default resource, and a move would keep the
// call's memory, which dies with the call. Never move into the State.
struct InCache : DefaultResourceScope {
    InCache() : DefaultResourceScope(memory.resource) {}
};

// Which tables an entity's rows depend on: its own (and what holds its name),
// its relation fields' targets, and its table's unique indexes.
void add_dependencies(State &s, const core::Entity &e, const core::Catalog &catalog) {
    auto depend = [&](Oid relid) {
        core::Vector<Uuid> &list = s.dependents[relid];
        if (std::find(list.begin(), list.end(), e.id) == list.end()) list.push_back(e.id);
    };
    if (const core::Table *t = catalog.find(e.schema_name, e.table_name)) {
        depend(t->relid);
        for (const core::UniqueKey &u : t->uniques)
            if (u.index_relid) depend(u.index_relid);
    }
    for (const core::Field &f : e.fields) {
        if (!f.references_entity) continue;
        const core::Entity *target = find_entity(s, *f.references_entity);
        if (!target) continue;
        if (const core::Table *t = catalog.find(target->schema_name, target->table_name))
            depend(t->relid);
    }
}

// Rows of the entities in `which` replace what the cache had for them.
void store_entity_rows(State &s, const core::FlatSet<Uuid> &which,
                       const core::Vector<core::DriftRow> &rows, const core::Catalog &catalog) {
    InCache in_cache;
    for (const Uuid &id : which) {
        EntityEntry &entry = s.entities[id];
        entry.rows.clear();
        entry.has_type_change = false;
    }
    for (const core::DriftRow &row : rows) {
        if (!row.entity_id || which.find(*row.entity_id) == which.end()) continue;
        s.entities[*row.entity_id].rows.push_back(row);  // a copy, into the cache
    }
    for (const core::Entity &e : s.metadata.entities) {
        if (which.find(e.id) == which.end()) continue;
        EntityEntry &entry = s.entities[e.id];
        entry.has_type_change = has_type_change(entry.rows);
        add_dependencies(s, e, catalog);
    }
}

void index_names(State &s) {
    core::Vector<std::pair<core::String, Uuid>> names;  // call memory
    for (const core::Entity &e : s.metadata.entities)
        names.emplace_back(name_key(e.schema_name, e.table_name), e.id);
    std::sort(names.begin(), names.end());
    core::Vector<Oid> namespaces;
    guard([&] {
        for (const core::Entity &e : s.metadata.entities) {
            Oid nsp = get_namespace_oid(e.schema_name.c_str(), true);
            if (OidIsValid(nsp)) namespaces.push_back(nsp);
        }
    });
    InCache in_cache;
    s.entities_by_name.clear();
    for (const auto &[key, id] : names) s.entities_by_name[key].push_back(id);
    s.managed_namespaces.clear();
    s.managed_namespaces.insert(namespaces.begin(), namespaces.end());
}

void remember_shapes(State &s, const core::Catalog &catalog) {
    core::Vector<std::pair<Oid, Oid>> namespaces;
    guard([&] {
        for (const core::Table &t : catalog.tables)
            namespaces.emplace_back(t.relid, get_rel_namespace(t.relid));
    });
    InCache in_cache;
    s.managed_relids.clear();
    for (std::size_t i = 0; i < catalog.tables.size(); ++i) {
        const core::Table &t = catalog.tables[i];
        s.managed_relids.emplace(
            t.relid, State::RelationShape{namespaces[i].second, t.name, t.relkind, t.is_partition});
    }
}

// Whether a relation is still what the unmanaged tables were computed from.
bool same_shape(Oid relid, const State::RelationShape &was) {
    return guard([&] {
        HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tup)) return false;  // dropped
        auto *rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
        bool same = rel->relnamespace == was.nsp && was.name == NameStr(rel->relname) &&
                    rel->relkind == was.relkind && rel->relispartition == was.is_partition;
        ReleaseSysCache(tup);
        return same;
    });
}

void drop_cache() {
    state = nullptr;
    if (memory.cxt) guard([] { MemoryContextReset(memory.cxt); });
}

void remember_catalog_oids() {
    guard([] {
        Oid nsp = get_namespace_oid("selegic", false);
        entity_relid = get_relname_relid("entity", nsp);
        field_relid = get_relname_relid("field", nsp);
        log_relid = get_relname_relid("drift_log", nsp);
    });
}

// Everything from scratch.
void rebuild() {
    drop_cache();
    if (!memory.cxt) memory = create_owned_resource(TopMemoryContext, "selegic drift cache");
    // Flags first: what arrives while we read marks the new state dirty.
    flush_all = metadata_dirty = renames_dirty = rules_changed = false;
    n_pending = 0;
    remember_catalog_oids();
    State *s;
    {
        // The metadata is read straight into the cache: one copy of it, not
        // two, next to the catalog that the computation reads.
        InCache in_cache;
        s = new (memory.resource->allocate(sizeof(State), alignof(State))) State();
        s->metadata = read_metadata();
    }
    const core::Metadata &metadata = s->metadata;
    Computed all = compute_all(metadata);
    core::FlatSet<Uuid> everyone;
    {
        core::Vector<Uuid> ids;
        for (const core::Entity &e : metadata.entities) ids.push_back(e.id);
        everyone.insert(ids.begin(), ids.end());
    }
    {
        InCache in_cache;
        for (const core::DriftRow &row : all.rows) {
            if (!row.entity_id)
                s->unmanaged.push_back(row);
            else if (everyone.find(*row.entity_id) == everyone.end())
                s->orphans.push_back(row);
        }
    }
    remember_shapes(*s, all.catalog);
    store_entity_rows(*s, everyone, all.rows, all.catalog);
    index_names(*s);
    state = s;
}

// The metadata changed: read it again; entities whose definition changed (or
// that reference one that did) are dirty, orphans are recomputed, and so are
// the unmanaged tables (a table may have become an entity's, or stopped).
void reread_metadata(core::FlatSet<Uuid> &dirty, bool &unmanaged_dirty) {
    metadata_dirty = false;
    State &s = *state;
    core::Metadata now = read_metadata();
    core::Vector<Uuid> changed_ids;
    {
        auto old_it = s.metadata.entities.begin(), old_end = s.metadata.entities.end();
        for (const core::Entity &e : now.entities) {
            for (; old_it != old_end && old_it->id < e.id; ++old_it)
                changed_ids.push_back(old_it->id);
            if (old_it != old_end && old_it->id == e.id) {
                if (!core::same_definition(*old_it, e)) changed_ids.push_back(e.id);
                ++old_it;
            } else {
                changed_ids.push_back(e.id);
            }
        }
        for (; old_it != old_end; ++old_it) changed_ids.push_back(old_it->id);
    }
    core::FlatSet<Uuid> changed(changed_ids.begin(), changed_ids.end());
    core::Vector<core::DriftRow> orphans = compute_orphans(now);
    {
        InCache in_cache;
        s.metadata = now;
        s.orphans = orphans;
    }
    for (const Uuid &id : changed) {
        if (find_entity(s, id))
            dirty.insert(id);
        else
            s.entities.erase(id);
    }
    for (const core::Entity &e : s.metadata.entities)
        for (const core::Field &f : e.fields)
            if (f.references_entity && changed.find(*f.references_entity) != changed.end())
                dirty.insert(e.id);
    index_names(s);
    if (!changed.empty()) unmanaged_dirty = true;
}

// Renames were resolved or acknowledged (the log was updated): the entities
// that had a renamed column, or have one now, are recomputed.
void reread_renames(core::FlatSet<Uuid> &dirty) {
    renames_dirty = false;
    State &s = *state;
    for (const auto &[id, entry] : s.entities)
        for (const core::DriftRow &row : entry.rows)
            if (row.kind == core::Kind::RenamedColumn) dirty.insert(id);
    for (const core::Rename &r : read_renames(s.metadata.entities, true)) dirty.insert(r.entity_id);
}

// Relations the invalidations named: the entities that depend on them, and,
// for one the cache does not know, what it is now (a new table in a managed
// schema, an index of a managed table).
void process_pending(core::FlatSet<Uuid> &dirty, bool &unmanaged_dirty) {
    State &s = *state;
    core::Vector<Oid> relids(pending, pending + n_pending);
    n_pending = 0;
    std::sort(relids.begin(), relids.end());
    relids.erase(std::unique(relids.begin(), relids.end()), relids.end());
    for (Oid relid : relids) {
        bool known = false;
        auto it = s.dependents.find(relid);
        if (it != s.dependents.end()) {
            known = true;
            for (const Uuid &id : it->second) dirty.insert(id);
        }
        auto shape = s.managed_relids.find(relid);
        if (shape != s.managed_relids.end()) {
            known = true;
            if (!same_shape(relid, shape->second)) unmanaged_dirty = true;
        }
        if (known) continue;
        guard([&] {
            HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
            if (!HeapTupleIsValid(tup)) return;  // gone, and never one of ours
            auto *rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
            char kind = rel->relkind;
            Oid nsp = rel->relnamespace;
            core::String name(NameStr(rel->relname));
            ReleaseSysCache(tup);
            if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX) {
                auto t = s.dependents.find(IndexGetRelation(relid, true));
                if (t != s.dependents.end())
                    for (const Uuid &id : t->second) dirty.insert(id);
                return;
            }
            if (s.managed_namespaces.find(nsp) == s.managed_namespaces.end()) return;
            unmanaged_dirty = true;
            char *schema = get_namespace_name(nsp);
            if (!schema) return;
            auto named = s.entities_by_name.find(name_key(schema, name));
            if (named != s.entities_by_name.end())
                for (const Uuid &id : named->second) dirty.insert(id);
        });
    }
}

// Brings the cache up to date, rebuilding it when that is simpler.
void refresh() {
    if (flush_all || !state) {
        rebuild();
    } else {
        State &s = *state;
        core::FlatSet<Uuid> dirty;
        bool unmanaged_dirty = false;
        if (metadata_dirty) reread_metadata(dirty, unmanaged_dirty);
        if (renames_dirty) reread_renames(dirty);
        process_pending(dirty, unmanaged_dirty);
        if (rules_changed) {
            rules_changed = false;
            for (const auto &[id, entry] : s.entities)
                if (entry.has_type_change) dirty.insert(id);
        }
        if (!dirty.empty()) {
            Computed c = compute_entities(s.metadata, dirty);
            store_entity_rows(s, dirty, c.rows, c.catalog);
        }
        if (unmanaged_dirty) {
            core::Catalog relations;
            core::Vector<core::DriftRow> unmanaged = compute_unmanaged(s.metadata, relations);
            {
                InCache in_cache;
                s.unmanaged = unmanaged;
            }
            remember_shapes(s, relations);
        }
    }
    // Bounded: past the limit the cache is dropped and calls compute cold.
    if (state && guard([] { return MemoryContextMemAllocated(memory.cxt, true); }) > kMaxBytes) {
        drop_cache();
        flush_all = true;
    }
}

}  // namespace

core::Vector<core::DriftRow> cached_drift(const std::optional<Uuid> &entity_id) {
    // One entity without a cache to bring up to date: computing it alone is
    // a thousand times cheaper than building the cache for it.
    if (entity_id && (flush_all || !state)) return current_drift(entity_id);
    refresh();
    core::Vector<core::DriftRow> rows;
    if (!state) return current_drift(entity_id);  // dropped for its size
    const State &s = *state;
    if (entity_id) {
        if (!find_entity(s, *entity_id))
            throw core::Error(core::sqlstate::undefined_object,
                              "selegic entity \"" + std::string(entity_id->to_string().c_str()) +
                                  "\" does not exist",
                              {}, "Entity ids are the id column of selegic.entity.");
        auto it = s.entities.find(*entity_id);
        if (it != s.entities.end()) rows = it->second.rows;
    } else {
        for (const auto &[id, entry] : s.entities)
            rows.insert(rows.end(), entry.rows.begin(), entry.rows.end());
        rows.insert(rows.end(), s.orphans.begin(), s.orphans.end());
        rows.insert(rows.end(), s.unmanaged.begin(), s.unmanaged.end());
    }
    finish_rows(rows);
    return rows;
}

void reset_drift_cache() {
    flush_all = true;
}

void register_drift_cache_invalidation() {
    CacheRegisterRelcacheCallback(on_relcache, (Datum)0);
    for (int cache : {TYPEOID, PROCOID, NAMESPACEOID, CASTSOURCETARGET, OPEROID, COLLOID, ENUMOID})
        CacheRegisterSyscacheCallback(cache, on_resolution_change, (Datum)0);
    CacheRegisterSyscacheCallback(RULERELNAME, on_rule_change, (Datum)0);
}

}  // namespace selegic::pg
