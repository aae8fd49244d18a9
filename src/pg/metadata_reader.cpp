#include "pg/metadata_reader.hpp"

#include <algorithm>
#include <unordered_map>

#include <boost/container/pmr/polymorphic_allocator.hpp>

#include "pg/catalog_lookup.hpp"
#include "pg/guard.hpp"
#include "pg/sql_values.hpp"

namespace selegic::pg {

namespace {

using core::String;

struct UuidHash {
    std::size_t operator()(const core::Uuid &u) const { return u.word(0) ^ (u.word(1) * 31); }
};

constexpr const char *kSchema = "selegic";

Oid metadata_relid(Oid nsp, const char *name) {
    Oid relid = get_relname_relid(name, nsp);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation \"%s.%s\" does not exist", kSchema, name),
                        errhint("Restore it from a dump of this database. Dropping and creating "
                                "the extension again would lose the metadata and the drift log.")));
    return relid;
}

AttrNumber entity_column(TupleDesc desc, const char *name) {
    return column_by_name(desc, name, "selegic.entity");
}
AttrNumber field_column(TupleDesc desc, const char *name) {
    return column_by_name(desc, name, "selegic.field");
}
AttrNumber log_column(TupleDesc desc, const char *name) {
    return column_by_name(desc, name, "selegic.drift_log");
}

String to_text(Datum d) {
    text *t = DatumGetTextPP(d);
    String s(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (reinterpret_cast<Pointer>(t) != DatumGetPointer(d)) pfree(t);
    return s;
}

String to_name(Datum d) {
    return String(NameStr(*DatumGetName(d)));
}

Snapshot statement_snapshot() {
    return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

// Column positions, looked up by name so the reader follows the table's shape.
struct EntityCols {
    AttrNumber id, schema_name, table_name, primary_key;
    explicit EntityCols(TupleDesc d)
        : id(entity_column(d, "id")),
          schema_name(entity_column(d, "schema_name")),
          table_name(entity_column(d, "table_name")),
          primary_key(entity_column(d, "primary_key")) {}
};

struct FieldCols {
    AttrNumber id, entity_id, column_name, sql_type, is_nullable, default_expr, is_unique,
        references_entity, on_delete;
    explicit FieldCols(TupleDesc d)
        : id(field_column(d, "id")),
          entity_id(field_column(d, "entity_id")),
          column_name(field_column(d, "column_name")),
          sql_type(field_column(d, "sql_type")),
          is_nullable(field_column(d, "is_nullable")),
          default_expr(field_column(d, "default_expr")),
          is_unique(field_column(d, "is_unique")),
          references_entity(field_column(d, "references_entity")),
          on_delete(field_column(d, "on_delete")) {}
};

core::Entity entity_from(HeapTuple tup, TupleDesc desc, const EntityCols &c) {
    bool isnull;
    core::Entity e;
    e.id = uuid_from_datum(heap_getattr(tup, c.id, desc, &isnull));
    e.schema_name = to_name(heap_getattr(tup, c.schema_name, desc, &isnull));
    e.table_name = to_name(heap_getattr(tup, c.table_name, desc, &isnull));
    e.primary_key = to_name(heap_getattr(tup, c.primary_key, desc, &isnull));
    return e;
}

// Returns the entity id the field belongs to. The row is deformed once: the
// columns after the first text column have no cached offset, so reading them
// one by one would walk the tuple again for each.
core::Uuid field_from(HeapTuple tup, TupleDesc desc, const FieldCols &c, core::Field &f) {
    Datum values[32];
    bool nulls[32];
    if (desc->natts > 32)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg_internal("selegic.field has %d columns", desc->natts)));
    heap_deform_tuple(tup, desc, values, nulls);
    auto at = [&](AttrNumber a) { return values[a - 1]; };
    f.id = uuid_from_datum(at(c.id));
    f.column_name = to_name(at(c.column_name));
    f.sql_type = to_text(at(c.sql_type));
    f.is_nullable = DatumGetBool(at(c.is_nullable));
    if (!nulls[c.default_expr - 1]) f.default_expr = to_text(at(c.default_expr));
    f.is_unique = DatumGetBool(at(c.is_unique));
    if (!nulls[c.references_entity - 1])
        f.references_entity = uuid_from_datum(at(c.references_entity));
    f.on_delete = to_text(at(c.on_delete));
    return uuid_from_datum(at(c.entity_id));
}

// Scans rel (through index, for rows whose uuid column key_column equals
// key, when key is given) and calls visit(tuple) for each visible row.
template <class Visit>
void scan(Relation rel, Oid index, AttrNumber key_column, const core::Uuid *key, Visit visit) {
    ScanKeyData skey;
    pg_uuid_t value;
    if (key) {
        memcpy(value.data, key->bytes.data(), UUID_LEN);
        // A heap column number: systable_beginscan maps it to the index's.
        ScanKeyInit(&skey, key_column, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(&value));
    }
    SysScanDesc sd = systable_beginscan(rel, index, key != nullptr, statement_snapshot(),
                                        key ? 1 : 0, key ? &skey : nullptr);
    HeapTuple tup;
    while (HeapTupleIsValid(tup = systable_getnext(sd))) visit(tup);
    systable_endscan(sd);
}

struct MetadataRels {
    Relation entity;
    Relation field;
    Oid entity_pkey;
    Oid field_pkey;
    Oid field_by_entity;
    MetadataRels() {
        Oid nsp = get_namespace_oid(kSchema, false);
        entity = table_open(metadata_relid(nsp, "entity"), AccessShareLock);
        field = table_open(metadata_relid(nsp, "field"), AccessShareLock);
        entity_pkey = metadata_relid(nsp, "entity_pkey");
        field_pkey = metadata_relid(nsp, "field_pkey");
        field_by_entity = metadata_relid(nsp, "field_entity_id_slug_key");
    }
    void close() {
        table_close(field, AccessShareLock);
        table_close(entity, AccessShareLock);
    }
};

}  // namespace

core::Vector<core::Entity> read_all_entities() {
    return read_metadata().entities;
}

core::Metadata read_metadata() {
    core::Metadata metadata;
    core::Vector<core::Entity> &entities = metadata.entities;
    guard([&] {
        MetadataRels rels;
        EntityCols ec(RelationGetDescr(rels.entity));
        FieldCols fc(RelationGetDescr(rels.field));
        scan(rels.entity, InvalidOid, 0, nullptr, [&](HeapTuple t) {
            entities.push_back(entity_from(t, RelationGetDescr(rels.entity), ec));
        });
        std::sort(entities.begin(), entities.end(),
                  [](const core::Entity &a, const core::Entity &b) { return a.id < b.id; });
        // Two passes over the fields: the first finds each one's entity
        // (reading the fixed-width entity_id alone) and counts, so the second
        // builds every field in place in a vector of the right size.
        std::unordered_map<core::Uuid, std::int32_t, UuidHash, std::equal_to<core::Uuid>,
                           boost::container::pmr::polymorphic_allocator<
                               std::pair<const core::Uuid, std::int32_t>>>
            index_of;
        index_of.reserve(entities.size());
        for (std::size_t i = 0; i < entities.size(); ++i)
            index_of.emplace(entities[i].id, static_cast<std::int32_t>(i));
        core::Vector<std::int32_t> owners;  // per field in scan order; -1: no entity
        core::Vector<std::uint32_t> counts(entities.size(), 0);
        scan(rels.field, InvalidOid, 0, nullptr, [&](HeapTuple t) {
            bool isnull;
            core::Uuid owner = uuid_from_datum(
                heap_getattr(t, fc.entity_id, RelationGetDescr(rels.field), &isnull));
            auto it = index_of.find(owner);
            std::int32_t i = it == index_of.end() ? -1 : it->second;
            owners.push_back(i);
            if (i >= 0) ++counts[static_cast<std::size_t>(i)];
        });
        for (std::size_t i = 0; i < entities.size(); ++i) entities[i].fields.reserve(counts[i]);
        // The same snapshot returns the same rows in the same order.
        std::size_t n = 0;
        scan(rels.field, InvalidOid, 0, nullptr, [&](HeapTuple t) {
            std::int32_t i = n < owners.size() ? owners[n] : -1;
            ++n;
            if (i < 0) {
                // A field that arrived before its entity: reported, not dropped.
                core::Field f;
                core::Uuid entity = field_from(t, RelationGetDescr(rels.field), fc, f);
                metadata.orphans.push_back({f.id, entity, std::move(f.column_name)});
                return;
            }
            core::Entity &e = entities[static_cast<std::size_t>(i)];
            e.fields.emplace_back();
            field_from(t, RelationGetDescr(rels.field), fc, e.fields.back());
        });
        rels.close();
    });
    return metadata;
}

core::Vector<core::Entity> read_entity(const core::Uuid &id) {
    core::Vector<core::Entity> entities;
    guard([&] {
        MetadataRels rels;
        EntityCols ec(RelationGetDescr(rels.entity));
        FieldCols fc(RelationGetDescr(rels.field));
        auto read_one = [&](const core::Uuid &key) {
            bool found = false;
            scan(rels.entity, rels.entity_pkey, ec.id, &key, [&](HeapTuple t) {
                entities.push_back(entity_from(t, RelationGetDescr(rels.entity), ec));
                found = true;
            });
            return found;
        };
        if (read_one(id)) {
            scan(rels.field, rels.field_by_entity, fc.entity_id, &id, [&](HeapTuple t) {
                core::Field f;
                field_from(t, RelationGetDescr(rels.field), fc, f);
                entities.front().fields.push_back(std::move(f));
            });
            // Targets of relation fields: needed to know what their keys should reference.
            core::FlatSet<core::Uuid> targets;
            for (const core::Field &f : entities.front().fields)
                if (f.references_entity && *f.references_entity != id)
                    targets.insert(*f.references_entity);
            for (const core::Uuid &t : targets)
                if (read_one(t)) entities.back().checked = false;
        }
        rels.close();
    });
    if (entities.empty())
        throw core::Error(
            core::sqlstate::undefined_object,
            "selegic entity \"" + std::string(id.to_string().c_str()) + "\" does not exist", {},
            "Entity ids are the id column of selegic.entity.");
    return entities;
}

core::Uuid read_field_entity(const core::Uuid &field_id) {
    std::optional<core::Uuid> entity;
    bool entity_exists = false;
    guard([&] {
        MetadataRels rels;
        FieldCols fc(RelationGetDescr(rels.field));
        EntityCols ec(RelationGetDescr(rels.entity));
        scan(rels.field, rels.field_pkey, fc.id, &field_id, [&](HeapTuple t) {
            core::Field f;
            entity = field_from(t, RelationGetDescr(rels.field), fc, f);
        });
        if (entity)
            scan(rels.entity, rels.entity_pkey, ec.id, &*entity,
                 [&](HeapTuple) { entity_exists = true; });
        rels.close();
    });
    std::string field_text = field_id.to_string().c_str();
    if (!entity)
        throw core::Error(core::sqlstate::undefined_object,
                          "selegic field \"" + field_text + "\" does not exist", {},
                          "Field ids are the id column of selegic.field.");
    if (!entity_exists)
        throw core::Error(
            core::sqlstate::undefined_object,
            "entity \"" + std::string(entity->to_string().c_str()) + "\" of selegic field \"" +
                field_text + "\" does not exist",
            "The field's row in selegic.field names an entity that selegic.entity does not hold.",
            "Wait until the entity's metadata has arrived, or correct the field's entity_id.");
    return *entity;
}

core::Vector<core::Waiver> read_waivers() {
    core::Vector<core::Waiver> waivers;
    guard([&] {
        Oid nsp = get_namespace_oid(kSchema, false);
        Oid relid = get_relname_relid("waiver", nsp);
        if (!OidIsValid(relid)) return;
        Relation rel = table_open(relid, AccessShareLock);
        TupleDesc desc = RelationGetDescr(rel);
        AttrNumber kind = column_by_name(desc, "kind", "selegic.waiver"),
                   object = column_by_name(desc, "object", "selegic.waiver"),
                   until = column_by_name(desc, "until", "selegic.waiver");
        scan(rel, InvalidOid, 0, nullptr, [&](HeapTuple t) {
            bool kind_null, object_null, until_null;
            Datum k = heap_getattr(t, kind, desc, &kind_null);
            Datum o = heap_getattr(t, object, desc, &object_null);
            Datum u = heap_getattr(t, until, desc, &until_null);
            if (kind_null || object_null || until_null) return;
            waivers.push_back({to_text(k), to_text(o), DatumGetTimestampTz(u)});
        });
        table_close(rel, AccessShareLock);
    });
    return waivers;
}

core::Vector<core::Rename> read_renames(const core::Vector<core::Entity> &entities, bool complete) {
    struct Seen {
        TimestampTz at;
        core::Rename rename;
    };
    core::Vector<Seen> seen;
    guard([&] {
        Oid nsp = get_namespace_oid(kSchema, false);
        Oid relid = get_relname_relid("drift_log", nsp);
        if (!OidIsValid(relid)) return;
        Relation rel = table_open(relid, AccessShareLock);
        TupleDesc desc = RelationGetDescr(rel);
        AttrNumber occurred_at = log_column(desc, "occurred_at"), origin = log_column(desc, "origin"),
                   action = log_column(desc, "action"), entity_id = log_column(desc, "entity_id"),
                   old_name = log_column(desc, "old_name"), new_name = log_column(desc, "new_name"),
                   resolved_at = log_column(desc, "resolved_at");
        auto visit = [&](HeapTuple t) {
            bool isnull;
            if (!heap_attisnull(t, resolved_at, desc)) return;
            Datum a = heap_getattr(t, action, desc, &isnull);
            if (isnull || to_text(a) != "rename column") return;
            if (to_text(heap_getattr(t, origin, desc, &isnull)) != "manual") return;
            Datum e = heap_getattr(t, entity_id, desc, &isnull);
            if (isnull) return;
            Datum o = heap_getattr(t, old_name, desc, &isnull);
            if (isnull) return;
            Datum n = heap_getattr(t, new_name, desc, &isnull);
            if (isnull) return;
            Seen s;
            s.at = DatumGetTimestampTz(heap_getattr(t, occurred_at, desc, &isnull));
            s.rename.entity_id = uuid_from_datum(e);
            s.rename.old_name = to_name(o);
            s.rename.new_name = to_name(n);
            seen.push_back(std::move(s));
        };
        if (complete) {
            // Renames only, through the index on action: the log grows without
            // bound, its renames do not.
            Oid index = get_relname_relid("drift_log_action_idx", nsp);
            ScanKeyData key;
            ScanKeyInit(&key, action, BTEqualStrategyNumber, F_TEXTEQ,
                        CStringGetTextDatum("rename column"));
            SysScanDesc sd =
                systable_beginscan(rel, index, OidIsValid(index), statement_snapshot(), 1, &key);
            HeapTuple tup;
            while (HeapTupleIsValid(tup = systable_getnext(sd))) visit(tup);
            systable_endscan(sd);
        } else {
            Oid index = get_relname_relid("drift_log_entity_idx", nsp);
            for (const core::Entity &e : entities)
                if (e.checked) scan(rel, index, entity_id, &e.id, visit);
        }
        table_close(rel, AccessShareLock);
    });
    std::stable_sort(seen.begin(), seen.end(),
                     [](const Seen &a, const Seen &b) { return a.at < b.at; });
    core::Vector<core::Rename> out;
    out.reserve(seen.size());
    for (Seen &s : seen) out.push_back(std::move(s.rename));
    return out;
}

}  // namespace selegic::pg
