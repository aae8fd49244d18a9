#include "pg/drift_engine.hpp"

#include <algorithm>

#include "pg/catalog_reader.hpp"
#include "pg/guard.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/resolver.hpp"
#include "pg/user_code.hpp"

namespace selegic::pg {

namespace {

// Entities to read the catalog for: the ones checked, and (unchecked, without
// fields) the targets of their relation fields.
core::Vector<core::Entity> with_targets(const core::Metadata &metadata,
                                        const core::FlatSet<core::Uuid> &which) {
    core::Vector<core::Entity> out;
    core::FlatSet<core::Uuid> targets;
    for (const core::Entity &e : metadata.entities) {
        if (which.find(e.id) == which.end()) continue;
        out.push_back(e);
        out.back().checked = true;
        for (const core::Field &f : e.fields)
            if (f.references_entity && which.find(*f.references_entity) == which.end())
                targets.insert(*f.references_entity);
    }
    for (const core::Entity &e : metadata.entities) {
        if (targets.find(e.id) == targets.end()) continue;
        core::Entity t;
        t.id = e.id;
        t.schema_name = e.schema_name;
        t.table_name = e.table_name;
        t.primary_key = e.primary_key;
        t.checked = false;
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

Computed compute_all(const core::Metadata &metadata) {
    NoUserCode no_user_code;  // the report never runs other roles' code
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    Computed out;
    out.catalog = read_catalog(metadata.entities, true, defaults);
    out.catalog.renames = read_renames(metadata.entities, true);
    core::DriftOptions options;
    options.orphans = &metadata.orphans;
    out.rows = core::compute_drift(metadata.entities, out.catalog, resolver, options);
    return out;
}

Computed compute_entities(const core::Metadata &metadata,
                          const core::FlatSet<core::Uuid> &which) {
    NoUserCode no_user_code;
    core::Vector<core::Entity> entities = with_targets(metadata, which);
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    Computed out;
    out.catalog = read_catalog(entities, false, defaults);
    out.catalog.renames = read_renames(entities, false);
    core::DriftOptions options;
    options.only_entities = &which;
    out.rows = core::compute_drift(entities, out.catalog, resolver, options);
    return out;
}

core::Vector<core::DriftRow> compute_unmanaged(const core::Metadata &metadata,
                                               core::Catalog &relations) {
    relations = read_managed_relations(metadata.entities);
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    core::DriftOptions options;
    options.check_entities = false;
    return core::compute_drift(metadata.entities, relations, resolver, options);
}

core::Vector<core::DriftRow> compute_orphans(const core::Metadata &metadata) {
    if (metadata.orphans.empty()) return {};
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    core::Catalog none;
    core::DriftOptions options;
    options.check_entities = false;
    options.report_unmanaged = false;
    options.orphans = &metadata.orphans;
    return core::compute_drift(metadata.entities, none, resolver, options);
}

void finish_rows(core::Vector<core::DriftRow> &rows) {
    core::apply_waivers(rows, read_waivers(), GetCurrentTransactionStartTimestamp());
    core::sort_drift_rows(rows);
}

core::Vector<core::DriftRow> current_drift(const std::optional<core::Uuid> &entity_id) {
    core::Vector<core::DriftRow> rows;
    if (entity_id) {
        // One entity is read through the catalogs' indexes.
        NoUserCode no_user_code;
        core::Vector<core::Entity> entities = read_entity(*entity_id);
        DefaultInterner defaults;
        PgResolver resolver(defaults);
        core::Catalog catalog = read_catalog(entities, false, defaults);
        catalog.renames = read_renames(entities, false);
        core::DriftOptions options;
        options.only_entity = entity_id;
        rows = core::compute_drift(entities, catalog, resolver, options);
    } else {
        rows = compute_all(read_metadata()).rows;
    }
    finish_rows(rows);
    return rows;
}

}  // namespace selegic::pg
