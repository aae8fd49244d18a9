#include "pg/catalog_reader.hpp"

#include <algorithm>

#include "core/drift.hpp"
#include "pg/compat.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_partitioned_table.h"
}

namespace selegic::pg {

namespace {

using core::String;

// Scans a catalog either whole or, for each relid, through its index on the
// relation column; calls visit(tuple, desc) for each row. Rows of other
// relations may reach visit in the whole-scan case: it filters.
template <class Visit>
void scan_catalog(Oid catalog, Oid index, AttrNumber relid_column, const core::Vector<Oid> &relids,
                  bool whole, Visit visit) {
    Relation rel = table_open(catalog, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    if (whole) {
        SysScanDesc sd = systable_beginscan(rel, InvalidOid, false, nullptr, 0, nullptr);
        HeapTuple tup;
        while (HeapTupleIsValid(tup = systable_getnext(sd))) visit(tup, desc);
        systable_endscan(sd);
    } else {
        for (Oid relid : relids) {
            ScanKeyData key;
            ScanKeyInit(&key, relid_column, BTEqualStrategyNumber, F_OIDEQ,
                        ObjectIdGetDatum(relid));
            SysScanDesc sd = systable_beginscan(rel, index, true, nullptr, 1, &key);
            HeapTuple tup;
            while (HeapTupleIsValid(tup = systable_getnext(sd))) visit(tup, desc);
            systable_endscan(sd);
        }
    }
    table_close(rel, AccessShareLock);
}

core::Vector<std::int16_t> int2_array(HeapTuple tup, AttrNumber att, TupleDesc desc) {
    core::Vector<std::int16_t> out;
    bool isnull;
    Datum d = heap_getattr(tup, att, desc, &isnull);
    if (isnull) return out;
    ArrayType *arr = DatumGetArrayTypeP(d);
    int n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
    const int16 *values = reinterpret_cast<const int16 *>(ARR_DATA_PTR(arr));
    out.assign(values, values + n);
    if (reinterpret_cast<Pointer>(arr) != DatumGetPointer(d)) pfree(arr);
    return out;
}

class Reader {
public:
    Reader(const core::Vector<core::Entity> &entities, bool complete, DefaultInterner &defaults)
        : entities_(entities), complete_(complete), defaults_(defaults) {}

    core::Catalog read_relations() {
        guard([&] {
            catalog_.complete = true;
            catalog_.uuid_type = {UUIDOID, -1};
            find_schemas();
            read_all_relations();
            catalog_.sort();
        });
        return std::move(catalog_);
    }

    core::Catalog read() {
        guard([&] { scan_everything(); });
        // Every catalog scan is closed: only now are defaults folded.
        intern_defaults();
        return std::move(catalog_);
    }

private:
    void scan_everything() {
        catalog_.complete = complete_;
        catalog_.uuid_type = {UUIDOID, -1};
        find_schemas();
        if (complete_)
            read_all_relations();
        else
            read_named_relations();
        catalog_.sort();
        // Index tables by relid for the per-row lookups below (built sorted:
        // inserting one by one into a flat map is quadratic).
        core::Vector<std::pair<Oid, std::size_t>> index;
        for (std::size_t i = 0; i < catalog_.tables.size(); ++i)
            if (catalog_.tables[i].is_table()) index.emplace_back(catalog_.tables[i].relid, i);
        std::sort(index.begin(), index.end());
        by_relid_.adopt_sequence(boost::container::ordered_unique_range, std::move(index));
        for (const auto &entry : by_relid_) relids_.push_back(entry.first);

        read_columns();
        read_defaults();
        read_constraints();
        read_unique_indexes();
        read_partition_keys();
        name_foreign_key_targets();
    }

    core::Table *table_of(Oid relid) {
        auto it = by_relid_.find(relid);
        return it == by_relid_.end() ? nullptr : &catalog_.tables[it->second];
    }

    void find_schemas() {
        for (const core::Entity &e : entities_) {
            if (e.schema_name.empty() || core::is_forbidden_schema(e.schema_name)) continue;
            if (schema_names_.count(e.schema_name)) continue;
            Oid nsp = get_namespace_oid(e.schema_name.c_str(), true);
            schema_names_.emplace(e.schema_name, nsp);
            if (OidIsValid(nsp)) {
                namespaces_.emplace(nsp, e.schema_name);
                catalog_.schemas.insert(e.schema_name);
            }
        }
    }

    void add_relation(Form_pg_class rel, const String &schema) {
        core::Table t;
        t.relid = rel->oid;
        t.schema_name = schema;
        t.name = NameStr(rel->relname);
        t.relkind = rel->relkind;
        t.is_partition = rel->relispartition;
        t.typed = OidIsValid(rel->reloftype);
        if (t.is_table()) t.columns.reserve(static_cast<std::size_t>(rel->relnatts));
        catalog_.tables.push_back(std::move(t));
    }

    // Every table in a managed schema, and any other relation holding a name
    // an entity wants (a view where its table should be). Indexes and
    // sequences by the thousand are not kept.
    void read_all_relations() {
        using Name = std::pair<Oid, std::string_view>;
        core::Vector<Name> wanted;
        for (const core::Entity &e : entities_) {
            auto s = schema_names_.find(e.schema_name);
            if (s != schema_names_.end() && OidIsValid(s->second))
                wanted.emplace_back(s->second, std::string_view(e.table_name));
        }
        std::sort(wanted.begin(), wanted.end());
        core::Vector<Oid> none;
        scan_catalog(RelationRelationId, InvalidOid, 0, none, true, [&](HeapTuple tup, TupleDesc) {
            auto *rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
            auto it = namespaces_.find(rel->relnamespace);
            if (it == namespaces_.end()) return;
            bool table =
                rel->relkind == RELKIND_RELATION || rel->relkind == RELKIND_PARTITIONED_TABLE;
            if (!table && !std::binary_search(wanted.begin(), wanted.end(),
                                              Name(rel->relnamespace, NameStr(rel->relname))))
                return;
            add_relation(rel, it->second);
        });
    }

    void read_named_relations() {
        for (const core::Entity &e : entities_) {
            auto s = schema_names_.find(e.schema_name);
            if (s == schema_names_.end() || !OidIsValid(s->second)) continue;
            Oid relid = get_relname_relid(e.table_name.c_str(), s->second);
            if (!OidIsValid(relid)) continue;
            HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
            if (!HeapTupleIsValid(tup)) continue;  // dropped meanwhile
            add_relation(reinterpret_cast<Form_pg_class>(GETSTRUCT(tup)), e.schema_name);
            ReleaseSysCache(tup);
        }
    }

    void read_columns() {
        scan_catalog(AttributeRelationId, AttributeRelidNumIndexId, Anum_pg_attribute_attrelid,
                     relids_, complete_, [&](HeapTuple tup, TupleDesc) {
                         auto *att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tup));
                         if (att->attnum <= 0 || att->attisdropped) return;
                         core::Table *t = table_of(att->attrelid);
                         if (!t) return;
                         core::Column c;
                         c.name = NameStr(att->attname);
                         c.attnum = att->attnum;
                         c.type = {att->atttypid, att->atttypmod};
                         c.not_null = att->attnotnull;
                         c.inherited = att->attinhcount > 0;
                         c.identity = att->attidentity;
                         c.generated = att->attgenerated;
                         // A generation expression is not a default.
                         if (att->attgenerated != '\0')
                             generated_.emplace(att->attrelid, att->attnum);
                         t->columns.push_back(std::move(c));
                     });
        for (core::Table &t : catalog_.tables)
            std::sort(
                t.columns.begin(), t.columns.end(),
                [](const core::Column &a, const core::Column &b) { return a.attnum < b.attnum; });
    }

    void read_defaults() {
        scan_catalog(AttrDefaultRelationId, AttrDefaultIndexId, Anum_pg_attrdef_adrelid, relids_,
                     complete_, [&](HeapTuple tup, TupleDesc desc) {
                         auto *def = reinterpret_cast<Form_pg_attrdef>(GETSTRUCT(tup));
                         core::Table *t = table_of(def->adrelid);
                         if (!t || generated_.count({def->adrelid, def->adnum})) return;
                         auto *col = const_cast<core::Column *>(t->column(def->adnum));
                         if (!col) return;
                         bool isnull;
                         Datum bin = heap_getattr(tup, Anum_pg_attrdef_adbin, desc, &isnull);
                         if (isnull) return;
                         text *adbin = DatumGetTextPP(bin);
                         pending_defaults_.push_back(
                             {def->adrelid, def->adnum,
                              String(VARDATA_ANY(adbin), VARSIZE_ANY_EXHDR(adbin))});
                         if (reinterpret_cast<Pointer>(adbin) != DatumGetPointer(bin)) pfree(adbin);
                     });
    }

    void read_constraints() {
        scan_catalog(
            ConstraintRelationId, ConstraintRelidTypidNameIndexId, Anum_pg_constraint_conrelid,
            relids_, complete_, [&](HeapTuple tup, TupleDesc desc) {
                auto *con = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tup));
#if SELEGIC_HAS_NOT_NULL_CONSTRAINTS
                // Existing rows may hold NULLs under a NOT VALID not-null
                // constraint: like a NOT VALID foreign key, it does not count
                // as present (the repair's SET NOT NULL validates it).
                if (con->contype == CONSTRAINT_NOTNULL) {
                    core::Table *t = table_of(con->conrelid);
                    auto keys = int2_array(tup, Anum_pg_constraint_conkey, desc);
                    if (t && !con->convalidated && keys.size() == 1)
                        if (auto *col = const_cast<core::Column *>(t->column(keys[0])))
                            col->not_null = false;
                    return;
                }
#endif
                if (con->contype != CONSTRAINT_PRIMARY && con->contype != CONSTRAINT_UNIQUE &&
                    con->contype != CONSTRAINT_FOREIGN)
                    return;
                core::Table *t = table_of(con->conrelid);
                if (!t) return;
                auto keys = int2_array(tup, Anum_pg_constraint_conkey, desc);
                if (con->contype == CONSTRAINT_PRIMARY) {
                    t->primary_key = std::move(keys);
                } else if (con->contype == CONSTRAINT_UNIQUE) {
                    constraint_indexes_.push_back(con->conindid);
                    if (keys.size() == 1)
                        t->uniques.push_back({String(NameStr(con->conname)), keys[0], true,
                                              OidIsValid(con->conparentid), con->conindid});
                } else {
                    core::ForeignKey fk;
                    fk.name = NameStr(con->conname);
                    fk.attnums = std::move(keys);
                    fk.ref_relid = con->confrelid;
                    fk.ref_attnums = int2_array(tup, Anum_pg_constraint_confkey, desc);
                    fk.on_delete = static_cast<core::OnDelete>(con->confdeltype);
                    fk.on_update = static_cast<core::OnDelete>(con->confupdtype);
                    fk.match = static_cast<core::FkMatch>(con->confmatchtype);
                    fk.deferrable = con->condeferrable;
                    fk.deferred = con->condeferred;
                    fk.delete_set_columns = int2_array(tup, Anum_pg_constraint_confdelsetcols, desc);
                    fk.validated = con->convalidated;
                    fk.inherited = OidIsValid(con->conparentid);
                    t->foreign_keys.push_back(std::move(fk));
                }
            });
    }

    // Plain unique indexes on one column (no expression, no predicate) make
    // the column unique just as a constraint does.
    void read_unique_indexes() {
        std::sort(constraint_indexes_.begin(), constraint_indexes_.end());
        auto backs_constraint = [&](Oid indexrelid) {
            return std::binary_search(constraint_indexes_.begin(), constraint_indexes_.end(),
                                      indexrelid);
        };
        scan_catalog(
            IndexRelationId, IndexIndrelidIndexId, Anum_pg_index_indrelid, relids_, complete_,
            [&](HeapTuple tup, TupleDesc) {
                auto *idx = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
                if (!idx->indisunique || idx->indisprimary || !idx->indisvalid ||
                    idx->indnkeyatts != 1 || idx->indkey.values[0] == 0)
                    return;
                if (!heap_attisnull(tup, Anum_pg_index_indpred, nullptr) ||
                    !heap_attisnull(tup, Anum_pg_index_indexprs, nullptr))
                    return;
                core::Table *t = table_of(idx->indrelid);
                if (!t || backs_constraint(idx->indexrelid)) return;
                pending_indexes_.push_back({idx->indexrelid, idx->indrelid, idx->indkey.values[0]});
            });
        for (const PendingIndex &p : pending_indexes_) {
            char *name = get_rel_name(p.indexrelid);
            if (!name) continue;
            // A partition's index attached to its parent's cannot be dropped alone.
            table_of(p.relid)->uniques.push_back(
                {String(name), p.attnum, false, get_rel_relispartition(p.indexrelid), p.indexrelid});
            pfree(name);
        }
    }

    void read_partition_keys() {
        for (core::Table &t : catalog_.tables) {
            if (!t.is_partitioned()) continue;
            HeapTuple tup = SearchSysCache1(PARTRELID, ObjectIdGetDatum(t.relid));
            if (!HeapTupleIsValid(tup)) continue;
            auto *key = reinterpret_cast<Form_pg_partitioned_table>(GETSTRUCT(tup));
            for (int i = 0; i < key->partnatts; ++i) t.partition_key.push_back(key->partattrs.values[i]);
            ReleaseSysCache(tup);
        }
    }

    void intern_defaults() {
        for (const PendingDefault &d : pending_defaults_) {
            core::Table *t = table_of(d.relid);
            auto *col = t ? const_cast<core::Column *>(t->column(d.attnum)) : nullptr;
            if (!col) continue;
            DefaultInterner::Ids ids = defaults_.intern_stored(d.adbin);
            col->default_id = ids.id;
            col->default_text = ids.text;
        }
    }

    void name_foreign_key_targets() {
        for (core::Table &t : catalog_.tables) {
            for (core::ForeignKey &fk : t.foreign_keys) {
                if (const core::Table *ref = table_of(fk.ref_relid)) {
                    fk.ref_schema = ref->schema_name;
                    fk.ref_table = ref->name;
                    for (std::int16_t a : fk.ref_attnums) {
                        const core::Column *c = ref->column(a);
                        fk.ref_columns.push_back(c ? c->name : String("?"));
                    }
                    continue;
                }
                // A target outside the metadata's tables: ask the syscache.
                char *nsp = get_namespace_name(get_rel_namespace(fk.ref_relid));
                char *rel = get_rel_name(fk.ref_relid);
                fk.ref_schema = nsp ? nsp : "?";
                fk.ref_table = rel ? rel : "?";
                for (std::int16_t a : fk.ref_attnums) {
                    char *att = get_attname(fk.ref_relid, a, true);
                    fk.ref_columns.push_back(att ? String(att) : String("?"));
                }
            }
        }
    }

    struct PendingDefault {
        Oid relid;
        AttrNumber attnum;
        String adbin;
    };
    struct PendingIndex {
        Oid indexrelid;
        Oid relid;
        std::int16_t attnum;
    };

    const core::Vector<core::Entity> &entities_;
    bool complete_;
    DefaultInterner &defaults_;
    core::Catalog catalog_;
    core::FlatMap<String, Oid> schema_names_;
    core::FlatMap<Oid, String> namespaces_;
    core::FlatMap<Oid, std::size_t> by_relid_;
    core::Vector<Oid> relids_;
    core::FlatSet<std::pair<Oid, std::int16_t>> generated_;
    core::Vector<Oid> constraint_indexes_;
    core::Vector<PendingIndex> pending_indexes_;
    core::Vector<PendingDefault> pending_defaults_;
};

}  // namespace

core::Catalog read_catalog(const core::Vector<core::Entity> &entities, bool complete,
                           DefaultInterner &defaults) {
    Reader reader(entities, complete, defaults);
    return reader.read();
}

}  // namespace selegic::pg

namespace selegic::pg {

core::Catalog read_managed_relations(const core::Vector<core::Entity> &entities) {
    DefaultInterner unused;
    Reader reader(entities, true, unused);
    return reader.read_relations();
}

}  // namespace selegic::pg
