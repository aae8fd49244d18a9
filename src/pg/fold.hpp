// Constant folding that runs nothing but PostgreSQL's own functions.
//
// Defaults are compared as parsed, coerced and constant-folded trees. Folding
// evaluates functions, so it is limited to trees whose every function is a
// built-in of pg_catalog (an OID below FirstNormalObjectId): `'0'::integer`
// and `0` fold alike, `1 + 1` folds to 2, but `app.f(1)` is compared as it is
// written: two defaults calling a user function are equal when they call the
// same function with equal (folded) arguments. A built-in that fails (1/0)
// leaves its tree unfolded; a cancel or timeout while folding propagates.
#pragma once

#include "pg/postgres.hpp"

namespace selegic::pg {

// True when evaluating the tree would call anything but pg_catalog built-ins.
bool calls_user_code(Node *tree);

// The tree folded, or the tree itself when it cannot be folded safely.
Node *fold_builtins(Node *tree);

// CURRENT_TIMESTAMP and transaction_timestamp() are now() by other names;
// one tree for all three, so a default written either way compares equal.
Node *canonical_time(Node *tree);

}  // namespace selegic::pg
