#include "pg/capture/managed_cache.hpp"

#include <algorithm>

#include "pg/guard.hpp"
#include "pg/memory.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/sql_values.hpp"

extern "C" {
#include "utils/inval.h"
}

namespace selegic::pg {

using core::String;

namespace {

OwnedResource cache_memory;  // both or neither (create_owned_resource)
ManagedCache *cache = nullptr;
bool cache_stale = true;
bool namespaces_stale = true;

void on_relcache_invalidation(Datum, Oid relid) {
    // Only flags: this can run in the middle of a lookup; the next capture
    // rebuilds.
    if (!cache || relid == InvalidOid) {
        cache_stale = true;
        return;
    }
    if (relid == cache->entity_relid() || relid == cache->field_relid() ||
        relid == cache->log_relid())
        cache_stale = true;
}

void on_namespace_invalidation(Datum, int, uint32) {
    namespaces_stale = true;
}

}  // namespace

struct CacheBuilder {
    // Managed schema names to namespace OIDs; schemas that do not exist yet
    // are picked up when pg_namespace changes.
    static void resolve_namespaces(ManagedCache &c, const core::Vector<String> &schemas) {
        c.namespaces_.clear();
        for (const String &s : schemas) {
            Oid nsp = guard([&] { return get_namespace_oid(s.c_str(), true); });
            if (OidIsValid(nsp)) c.namespaces_.emplace_back(nsp, s);
        }
        std::sort(c.namespaces_.begin(), c.namespaces_.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
    }

    static ManagedCache *build() {
        if (!cache_memory.cxt) cache_memory = create_owned_resource(TopMemoryContext, "selegic managed cache");
        cache = nullptr;
        guard([] { MemoryContextReset(cache_memory.cxt); });
        cache_stale = false;  // before reading: a change during the read re-marks it
        namespaces_stale = false;

        // Read into the call's memory; only the index goes to the cache.
        core::Vector<core::Entity> entities = read_all_entities();
        // A column renamed by hand is still its field's under the new name:
        // later DDL on it is resolved to the field, and repaired with it.
        core::Vector<core::Rename> renames = read_renames(entities, true);
        core::Vector<String> schemas;
        for (const core::Entity &e : entities)
            if (!core::is_forbidden_schema(e.schema_name)) schemas.push_back(e.schema_name);
        std::sort(schemas.begin(), schemas.end());
        schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());

        DefaultResourceScope in_cache(cache_memory.resource);
        auto *built = new (cache_memory.resource->allocate(sizeof(ManagedCache),
                                                           alignof(ManagedCache))) ManagedCache();
        built->index_ = core::ManagedIndex::build(entities, renames);
        built->schemas_ = schemas;
        resolve_namespaces(*built, built->schemas_);
        guard([&] {
            Oid nsp = get_namespace_oid("selegic", false);
            built->entity_relid_ = get_relname_relid("entity", nsp);
            built->field_relid_ = get_relname_relid("field", nsp);
            built->log_relid_ = get_relname_relid("drift_log", nsp);
        });
        cache = built;
        return cache;
    }
};

const ManagedCache &ManagedCache::get() {
    if (cache && !cache_stale) {
        if (namespaces_stale) {
            namespaces_stale = false;
            DefaultResourceScope in_cache(cache_memory.resource);
            CacheBuilder::resolve_namespaces(*cache, cache->schemas_);
        }
        return *cache;
    }
    return *CacheBuilder::build();
}

const ManagedCache *ManagedCache::peek() {
    return cache && !cache_stale && !namespaces_stale ? cache : nullptr;
}

bool ManagedCache::schema_is_managed(Oid nsp) const {
    auto it = std::lower_bound(namespaces_.begin(), namespaces_.end(), nsp,
                               [](const auto &entry, Oid key) { return entry.first < key; });
    return it != namespaces_.end() && it->first == nsp;
}

std::optional<Target> ManagedCache::target(Oid relid, const char *name_override) const {
    Oid nsp = guard([&] { return get_rel_namespace(relid); });
    if (!OidIsValid(nsp)) return std::nullopt;
    auto it = std::lower_bound(namespaces_.begin(), namespaces_.end(), nsp,
                               [](const auto &entry, Oid key) { return entry.first < key; });
    if (it == namespaces_.end() || it->first != nsp) return std::nullopt;
    Target t;
    t.schema = it->second;
    if (name_override) {
        t.name = name_override;
    } else {
        bool found = guard([&] {
            char *relname = get_rel_name(relid);
            if (!relname) return false;
            t.name = relname;
            pfree(relname);
            return true;
        });
        if (!found) return std::nullopt;
    }
    t.table = index_.table(t.schema, t.name);
    return t;
}

void register_managed_cache_invalidation() {
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
    CacheRegisterSyscacheCallback(NAMESPACEOID, on_namespace_invalidation, (Datum)0);
}

void invalidate_managed_cache() {
    cache_stale = true;
}

}  // namespace selegic::pg
