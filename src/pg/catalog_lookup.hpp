// Small catalog reading helpers shared by the readers, the catalog questions
// and the capture.
#pragma once

#include "pg/postgres.hpp"

namespace selegic::pg {

// Finds the row of catalog whose oid column oid_att equals oid, through its
// index, and calls visit(tuple, descriptor) for it. False when there is none.
template <class Visit>
bool visit_row_by_oid(Oid catalog, Oid index, AttrNumber oid_att, Oid oid, Visit visit) {
    Relation rel = table_open(catalog, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, oid_att, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(oid));
    SysScanDesc sd = systable_beginscan(rel, index, true, nullptr, 1, &key);
    HeapTuple tup = systable_getnext(sd);
    bool found = HeapTupleIsValid(tup);
    if (found) visit(tup, RelationGetDescr(rel));
    systable_endscan(sd);
    table_close(rel, AccessShareLock);
    return found;
}

// A column of one of the extension's tables, located by name so that the
// code follows the table's shape; 42703 naming the table when it is missing.
inline AttrNumber column_by_name(TupleDesc desc, const char *name, const char *relation) {
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute a = TupleDescAttr(desc, i);
        if (!a->attisdropped && strcmp(NameStr(a->attname), name) == 0) return a->attnum;
    }
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of relation \"%s\" does not exist", name, relation)));
    return InvalidAttrNumber;
}

}  // namespace selegic::pg
