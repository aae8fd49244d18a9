// The catalog questions the comparison asks for the few rows that need them:
// what keeps a column's type from changing, a NOT NULL from being dropped,
// an index from being dropped, a table from being created. Each answers
// with the reason PostgreSQL would give, before it gives it as an ERROR
// that would roll back a whole repair.
#include "pg/catalog_lookup.hpp"
#include "pg/guard.hpp"
#include "pg/resolver.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_publication_rel.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "utils/relcache.h"
}

namespace selegic::pg {

using core::String;

namespace {

// Calls visit(depend row) for every object that depends on (classid, objid, objsubid).
template <class Visit>
void for_each_dependent(Oid classid, Oid objid, int32 objsubid, Visit visit) {
    Relation rel = table_open(DependRelationId, AccessShareLock);
    ScanKeyData keys[3];
    ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(classid));
    ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(objid));
    ScanKeyInit(&keys[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ,
                Int32GetDatum(objsubid));
    SysScanDesc sd = systable_beginscan(rel, DependReferenceIndexId, true, nullptr, 3, keys);
    HeapTuple tup;
    bool more = true;
    while (more && HeapTupleIsValid(tup = systable_getnext(sd)))
        more = visit(*reinterpret_cast<Form_pg_depend>(GETSTRUCT(tup)));
    systable_endscan(sd);
    table_close(rel, AccessShareLock);
}

String describe(Oid classid, Oid objid, int32 objsubid) {
    ObjectAddress address{classid, objid, objsubid};
    char *text = getObjectDescription(&address, true);
    String out(text ? text : "an object");
    if (text) pfree(text);
    return out;
}

// The relation a rewrite rule belongs to: a view's _RETURN rule is the view.
Oid rule_relation(Oid rule_oid) {
    Oid relid = InvalidOid;
    visit_row_by_oid(RewriteRelationId, RewriteOidIndexId, Anum_pg_rewrite_oid, rule_oid,
                     [&](HeapTuple tup, TupleDesc) {
                         relid = reinterpret_cast<Form_pg_rewrite>(GETSTRUCT(tup))->ev_class;
                     });
    return relid;
}

// The column a pg_attrdef row belongs to.
std::pair<Oid, AttrNumber> attrdef_column(Oid attrdef_oid) {
    std::pair<Oid, AttrNumber> out{InvalidOid, 0};
    visit_row_by_oid(AttrDefaultRelationId, AttrDefaultOidIndexId, Anum_pg_attrdef_oid,
                     attrdef_oid, [&](HeapTuple tup, TupleDesc) {
                         auto *def = reinterpret_cast<Form_pg_attrdef>(GETSTRUCT(tup));
                         out = {def->adrelid, def->adnum};
                     });
    return out;
}

}  // namespace

// As ALTER TABLE ... ALTER COLUMN TYPE (RememberAllDependentForRebuilding):
// views and rules, policies, trigger conditions, generated columns and
// publication row filters that use the column stop it.
std::optional<String> PgResolver::type_change_blocker(std::uint32_t relid, std::int16_t attnum) {
    return guard([&]() -> std::optional<String> {
        std::optional<String> why;
        for_each_dependent(RelationRelationId, relid, attnum, [&](const FormData_pg_depend &d) {
            if (d.classid == RewriteRelationId) {
                Oid view = rule_relation(d.objid);
                why = "the column is used by " +
                      (OidIsValid(view) && view != relid
                           ? describe(RelationRelationId, view, 0)
                           : describe(d.classid, d.objid, d.objsubid));
            } else if (d.classid == PolicyRelationId || d.classid == TriggerRelationId ||
                       d.classid == PublicationRelRelationId) {
                why = "the column is used by " + describe(d.classid, d.objid, d.objsubid);
            } else if (d.classid == AttrDefaultRelationId) {
                // Another column's generation expression (a column's own
                // default depends on it too, and moves with the type).
                auto [defrel, defnum] = attrdef_column(d.objid);
                if (defrel == relid && defnum != attnum && OidIsValid(defrel)) {
                    char generated = get_attgenerated(defrel, defnum);
                    if (generated)
                        why = String("the column is used by the generated column ") +
                              quote_identifier(get_attname(defrel, defnum, false));
                }
            }
            return !why;
        });
        return why;
    });
}

// As ALTER TABLE ... DROP NOT NULL (ATExecDropNotNull, PostgreSQL 15): not on
// a column of the replica identity index, nor where a parent has it NOT NULL.
std::optional<String> PgResolver::drop_not_null_blocker(std::uint32_t relid,
                                                        std::int16_t attnum) {
    return guard([&]() -> std::optional<String> {
        Relation rel = relation_open(relid, AccessShareLock);
        Bitmapset *identity = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_IDENTITY_KEY);
        bool in_identity =
            bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, identity);
        relation_close(rel, AccessShareLock);
        if (in_identity) return String("the column is in the index used as replica identity");
        char *column = get_attname(relid, attnum, false);
        std::optional<String> why;
        Relation inh = table_open(InheritsRelationId, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber, F_OIDEQ,
                    ObjectIdGetDatum(relid));
        SysScanDesc sd = systable_beginscan(inh, InheritsRelidSeqnoIndexId, true, nullptr, 1, &key);
        HeapTuple tup;
        while (!why && HeapTupleIsValid(tup = systable_getnext(sd))) {
            Oid parent = reinterpret_cast<Form_pg_inherits>(GETSTRUCT(tup))->inhparent;
            HeapTuple att = SearchSysCacheAttName(parent, column);
            if (!HeapTupleIsValid(att)) continue;
            if (reinterpret_cast<Form_pg_attribute>(GETSTRUCT(att))->attnotnull)
                why = "the column is NOT NULL in the parent table " + String(quote_qualified_identifier(
                          get_namespace_name(get_rel_namespace(parent)), get_rel_name(parent)));
            ReleaseSysCache(att);
        }
        systable_endscan(sd);
        table_close(inh, AccessShareLock);
        return why;
    });
}

// A foreign key that references the columns through this unique index.
std::optional<String> PgResolver::index_drop_blocker(std::uint32_t index_relid) {
    return guard([&]() -> std::optional<String> {
        std::optional<String> why;
        for_each_dependent(RelationRelationId, index_relid, 0, [&](const FormData_pg_depend &d) {
            if (d.classid == ConstraintRelationId && d.deptype == DEPENDENCY_NORMAL)
                why = "the unique key is referenced by " + describe(d.classid, d.objid, 0);
            return !why;
        });
        return why;
    });
}

// A table's row type takes the table's name in pg_type: a domain, enum,
// range or base type of that name makes CREATE TABLE fail.
std::optional<String> PgResolver::type_holding_name(std::string_view schema,
                                                    std::string_view name) {
    String nsp_name(schema.data(), schema.size()), type_name(name.data(), name.size());
    return guard([&]() -> std::optional<String> {
        Oid nsp = get_namespace_oid(nsp_name.c_str(), true);
        if (!OidIsValid(nsp)) return std::nullopt;
        Oid type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
                                   CStringGetDatum(type_name.c_str()), ObjectIdGetDatum(nsp));
        if (!OidIsValid(type)) return std::nullopt;
        return "the name is held by " + describe(TypeRelationId, type, 0);
    });
}

}  // namespace selegic::pg
