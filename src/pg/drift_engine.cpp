#include "pg/drift_engine.hpp"

#include "pg/catalog_reader.hpp"
#include "pg/metadata_reader.hpp"
#include "pg/resolver.hpp"
#include "pg/user_code.hpp"

namespace selegic::pg {

core::Vector<core::DriftRow> current_drift(const std::optional<core::Uuid> &entity_id) {
    // The report never runs code written by other roles (user_code.hpp).
    NoUserCode no_user_code;
    // One entity is read through the catalogs' indexes; all of them with one
    // sequential scan per catalog.
    bool complete = !entity_id;
    core::Metadata metadata;
    if (entity_id)
        metadata.entities = read_entity(*entity_id);
    else
        metadata = read_metadata();
    DefaultInterner defaults;
    PgResolver resolver(defaults);
    core::Catalog catalog = read_catalog(metadata.entities, complete, defaults);
    catalog.renames = read_renames(metadata.entities, complete);
    core::DriftOptions options;
    options.only_entity = entity_id;
    options.orphans = &metadata.orphans;
    core::Vector<core::DriftRow> rows =
        core::compute_drift(metadata.entities, catalog, resolver, options);
    core::apply_waivers(rows, read_waivers(), GetCurrentTransactionStartTimestamp());
    return rows;
}

}  // namespace selegic::pg
