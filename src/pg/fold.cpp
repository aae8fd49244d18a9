#include "pg/fold.hpp"

#include "pg/compat.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/transam.h"
#include "catalog/pg_namespace.h"
}

namespace selegic::pg {

namespace {

bool is_user_function(Oid fn, void *) {
    return fn >= FirstNormalObjectId || get_func_namespace(fn) != PG_CATALOG_NAMESPACE;
}

bool user_code_walker(Node *node, void *context) {
    if (!node) return false;
    // Every function the node calls: FuncExpr, operators, the input and output
    // functions of a CoerceViaIO, comparison functions of a RowCompareExpr...
    if (check_functions_in_node(node, is_user_function, context)) return true;
    switch (nodeTag(node)) {
        case T_MinMaxExpr:  // compares with the type's btree function
            if (castNode(MinMaxExpr, node)->minmaxtype >= FirstNormalObjectId) return true;
            break;
        case T_SubLink:
        case T_SubPlan:
        case T_Query:
            return true;
        default:
            break;
    }
    return compat::walk_expression(node, user_code_walker, context);
}

Node *canonical_time_mutator(Node *node, void *context) {
    if (!node) return nullptr;
    bool is_now =
        (IsA(node, SQLValueFunction) &&
         castNode(SQLValueFunction, node)->op == SVFOP_CURRENT_TIMESTAMP) ||
        (IsA(node, FuncExpr) && castNode(FuncExpr, node)->funcid == F_TRANSACTION_TIMESTAMP);
    if (is_now)
        return reinterpret_cast<Node *>(
            makeFuncExpr(F_NOW, TIMESTAMPTZOID, NIL, InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
    return compat::mutate_expression(node, canonical_time_mutator, context);
}

}  // namespace

bool calls_user_code(Node *tree) {
    return guard([&] { return user_code_walker(tree, nullptr); });
}

Node *fold_builtins(Node *tree) {
    if (!tree || IsA(tree, Const) || calls_user_code(tree)) return tree;
    // Built-ins may still fail on their arguments (DEFAULT 1/0 is legal until
    // a row needs it): such a default is compared unfolded.
    auto folded = attempt_in_subtransaction([&] { return eval_const_expressions(nullptr, tree); });
    return folded.ok() ? folded.value() : tree;
}

Node *canonical_time(Node *tree) {
    return guard([&] { return canonical_time_mutator(tree, nullptr); });
}

}  // namespace selegic::pg
