#include "pg/drift_engine.hpp"

#include "pg/catalog_reader.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/resolver.hpp"

namespace selegic::pg {

core::Vector<core::DriftRow> current_drift(const std::optional<core::Uuid> &entity_id) {
    // One entity is read through the catalogs' indexes; all of them with one
    // sequential scan per catalog.
    bool complete = !entity_id;
    core::Vector<core::Entity> entities = entity_id ? read_entity(*entity_id) : read_all_entities();
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    core::Catalog catalog = read_catalog(entities, complete, defaults);
    catalog.renames = read_renames(entities, complete);
    core::DriftOptions options;
    options.only_entity = entity_id;
    return core::compute_drift(entities, catalog, resolver, options);
}

}  // namespace selegic::pg
