// The per-backend cache of what the metadata manages, for the DDL capture.
//
// Built from selegic.entity, selegic.field and the unresolved renames in the
// drift log, in a memory context of its own; dropped when any backend changes
// the metadata (the metadata tables' triggers send a relcache invalidation of
// the table) or records a rename. Managed schemas are also kept as namespace
// OIDs, refreshed when pg_namespace changes, so that deciding that a relation
// is not managed costs one syscache probe and no allocation.
#pragma once

#include <optional>

#include "core/managed.hpp"
#include "pg/postgres.hpp"

namespace selegic::pg {

// A relation the capture cares about: an entity's table, or any relation in a
// managed schema.
struct Target {
    const core::ManagedTable *table = nullptr;  // null: not an entity's table
    core::String schema;
    core::String name;
};

class ManagedCache {
public:
    // The cache, rebuilt first when stale. May ERROR (reads the metadata).
    static const ManagedCache &get();
    // The cache if it is valid, without rebuilding; nullptr otherwise.
    static const ManagedCache *peek();

    bool empty() const { return index_.empty(); }
    const core::ManagedIndex &index() const { return index_; }
    bool schema_is_managed(Oid nsp) const;
    // The managed schemas that exist: (namespace OID, name), by OID.
    const core::Vector<std::pair<Oid, core::String>> &namespaces() const { return namespaces_; }
    // The relation as a target, or nullopt when it is not managed. With
    // name_override, the relation is looked up under that name (a table
    // renamed by hand is managed under its old one).
    std::optional<Target> target(Oid relid, const char *name_override = nullptr) const;
    Oid entity_relid() const { return entity_relid_; }
    Oid field_relid() const { return field_relid_; }
    Oid log_relid() const { return log_relid_; }

private:
    core::ManagedIndex index_;
    core::Vector<core::String> schemas_;  // managed schema names, sorted
    core::Vector<std::pair<Oid, core::String>> namespaces_;  // sorted by oid
    Oid entity_relid_ = InvalidOid;
    Oid field_relid_ = InvalidOid;
    Oid log_relid_ = InvalidOid;

    friend struct CacheBuilder;
};

void register_managed_cache_invalidation();
void invalidate_managed_cache();

}  // namespace selegic::pg
