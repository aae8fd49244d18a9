// The PostgreSQL versions this module builds against (15 to 18) differ in a
// few APIs; every difference is bridged here, once. Only 15 is built and
// tested on this project's machines; docs/compatibility.md lists what was
// checked against which version's headers.
#pragma once

#include "pg/postgres.hpp"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "selegic_drift supports PostgreSQL 15 to 18"
#endif

extern "C" {
#include "executor/executor.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/regproc.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#include "parser/parse_relation.h"
#include "varatt.h"
#endif
}

// ALTER TABLE sub-command types that exist only in some versions (for #if
// around case labels): 16 folded the AT_*Recurse types into their base type
// with AlterTableCmd.recurse; 17 added AT_SetExpression; 18 dropped
// AT_CheckNotNull (NOT NULL became a pg_constraint row).
#define SELEGIC_HAS_AT_RECURSE (PG_VERSION_NUM < 160000)
#define SELEGIC_HAS_AT_SET_EXPRESSION (PG_VERSION_NUM >= 170000)
#define SELEGIC_HAS_AT_CHECK_NOT_NULL (PG_VERSION_NUM < 180000)

// 18 records NOT NULL as a pg_constraint row (contype 'n') that may be NOT
// VALID, and sets attnotnull for an invalid one too. Test the version, not
// CONSTRAINT_NOTNULL: 17's headers define it, left from a reverted feature.
#define SELEGIC_HAS_NOT_NULL_CONSTRAINTS (PG_VERSION_NUM >= 180000)

namespace selegic::pg::compat {

// parseTypeString: 16 replaced missing_ok with a soft-error context.
inline void parse_type_string(const char *text, Oid *typid, int32 *typmod) {
#if PG_VERSION_NUM >= 160000
    (void)parseTypeString(text, typid, typmod, nullptr);
#else
    parseTypeString(text, typid, typmod, false);
#endif
}

// stringToQualifiedNameList: 16 added a soft-error context; NULL keeps
// throwing on a malformed name, as 15 does.
inline List *qualified_name_list(const char *text) {
#if PG_VERSION_NUM >= 160000
    return stringToQualifiedNameList(text, nullptr);
#else
    return stringToQualifiedNameList(text);
#endif
}

// pg_namespace_aclcheck: 16 folded the per-catalog aclcheck functions into
// object_aclcheck(classid, ...).
inline AclResult namespace_aclcheck(Oid nsp, Oid role, AclMode mode) {
#if PG_VERSION_NUM >= 160000
    return object_aclcheck(NamespaceRelationId, nsp, role, mode);
#else
    return pg_namespace_aclcheck(nsp, role, mode);
#endif
}

// Tree walkers: 15 declares the callbacks without parameters, 16 typed them.
using Walker = bool (*)(Node *, void *);
using Mutator = Node *(*)(Node *, void *);
using AnyFn = void (*)();  // casts through the generic function pointer type are allowed

inline bool walk_expression(Node *node, Walker walker, void *context) {
#if PG_VERSION_NUM >= 160000
    return expression_tree_walker(node, walker, context);
#else
    return expression_tree_walker(
        node, reinterpret_cast<bool (*)()>(reinterpret_cast<AnyFn>(walker)), context);
#endif
}

inline Node *mutate_expression(Node *node, Mutator mutator, void *context) {
#if PG_VERSION_NUM >= 160000
    return expression_tree_mutator(node, mutator, context);
#else
    return expression_tree_mutator(
        node, reinterpret_cast<Node *(*)()>(reinterpret_cast<AnyFn>(mutator)), context);
#endif
}

// A range table of one relation for an EState: 16 moved permissions into
// RTEPermissionInfo, 18 added the unpruned relations.
inline void init_single_range_table(EState *estate, Relation rel, LOCKMODE lockmode) {
    RangeTblEntry *rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_RELATION;
    rte->relid = RelationGetRelid(rel);
    rte->relkind = rel->rd_rel->relkind;
    rte->rellockmode = lockmode;
#if PG_VERSION_NUM >= 160000
    List *perminfos = NIL;
    RTEPermissionInfo *perm = addRTEPermissionInfo(&perminfos, rte);
    perm->requiredPerms = ACL_INSERT;
#if PG_VERSION_NUM >= 180000
    ExecInitRangeTable(estate, list_make1(rte), perminfos, bms_make_singleton(1));
#else
    ExecInitRangeTable(estate, list_make1(rte), perminfos);
#endif
#else
    rte->requiredPerms = ACL_INSERT;
    ExecInitRangeTable(estate, list_make1(rte));
#endif
}

// ExecInsertIndexTuples: 16 added onlySummarizing.
inline List *insert_index_tuples(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate) {
#if PG_VERSION_NUM >= 160000
    return ExecInsertIndexTuples(rri, slot, estate, false, false, nullptr, NIL, false);
#else
    return ExecInsertIndexTuples(rri, slot, estate, false, false, nullptr, NIL);
#endif
}

// Names in metadata resolve as if search_path were (schema, public), with
// pg_catalog first and never the session's temporary schema. 17 removed
// override search paths; there the setting itself is changed for a GUC nest
// level (pg_temp then comes last rather than not at all). Pop only after a
// push that returned normally: an ERROR's (sub)transaction abort pops by itself.
#if PG_VERSION_NUM < 170000
inline int push_entity_search_path(const char *schema) {
    List *schemas = NIL;
    Oid nsp = get_namespace_oid(schema, true);
    if (OidIsValid(nsp)) schemas = lappend_oid(schemas, nsp);
    Oid pub = get_namespace_oid("public", true);
    if (OidIsValid(pub) && pub != nsp) schemas = lappend_oid(schemas, pub);
    auto *path = static_cast<OverrideSearchPath *>(palloc0(sizeof(OverrideSearchPath)));
    path->schemas = schemas;
    path->addCatalog = true;
    path->addTemp = false;
    PushOverrideSearchPath(path);
    return 0;
}
inline void pop_entity_search_path(int) {
    PopOverrideSearchPath();
}
#else
inline int push_entity_search_path(const char *schema) {
    int level = NewGUCNestLevel();
    char *path = psprintf("pg_catalog, %s, public, pg_temp", quote_identifier(schema));
    (void)set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    return level;
}
inline void pop_entity_search_path(int level) {
    AtEOXact_GUC(true, level);
}
#endif

// AT_*Recurse (before 16) are their base type with recursion.
inline AlterTableType base_subtype(AlterTableType t) {
#if SELEGIC_HAS_AT_RECURSE
    switch (t) {
        case AT_AddColumnRecurse:
            return AT_AddColumn;
        case AT_DropColumnRecurse:
            return AT_DropColumn;
        case AT_AddConstraintRecurse:
            return AT_AddConstraint;
        case AT_DropConstraintRecurse:
            return AT_DropConstraint;
        case AT_ValidateConstraintRecurse:
            return AT_ValidateConstraint;
        default:
            return t;
    }
#else
    return t;
#endif
}

}  // namespace selegic::pg::compat
