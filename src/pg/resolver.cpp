#include "pg/resolver.hpp"

#include <cstring>
#include <iterator>
#include <string_view>

#include "pg/guard.hpp"
#include "pg/sql_values.hpp"

namespace selegic::pg {

using core::String;

namespace {

// The metadata's names resolve as if search_path were (entity schema, public):
// pg_catalog first as always, and never the session's temporary schema, so
// neither the caller's search_path nor a temp object can change the answer.
void push_entity_search_path(const char *schema) {
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
}

[[noreturn]] void not_an_expression() {
    ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
                    errmsg("default expression must be a single value expression")));
    pg_unreachable();
}

// Parses text as one expression and nothing else: "0; DROP TABLE t" or
// "0 FROM t" are refused, not half-read.
Node *parse_single_expression(const char *expr) {
    List *stmts = raw_parser(psprintf("SELECT %s", expr), RAW_PARSE_DEFAULT);
    if (list_length(stmts) != 1) not_an_expression();
    Node *stmt = linitial_node(RawStmt, stmts)->stmt;
    if (!IsA(stmt, SelectStmt)) not_an_expression();
    auto *s = reinterpret_cast<SelectStmt *>(stmt);
    if (s->op != SETOP_NONE || s->fromClause || s->whereClause || s->groupClause ||
        s->havingClause || s->windowClause || s->valuesLists || s->sortClause || s->limitCount ||
        s->limitOffset || s->lockingClause || s->withClause || s->intoClause || s->distinctClause ||
        list_length(s->targetList) != 1)
        not_an_expression();
    ResTarget *target = linitial_node(ResTarget, s->targetList);
    if (target->name || target->indirection) not_an_expression();
    return target->val;
}

// A tree's nodeToString text with the fields equal() ignores (parse locations
// and how a coercion is displayed) blanked, written into out: equal trees give
// equal text. With locations_only, only parse locations: such text still
// parses to a tree that folds the same way (a coercion's display form decides
// whether it counts as a length coercion). A datum is written as its bytes,
// so no user text can fake a field name here.
void blank_ignored_fields(std::string_view in, String &out, bool locations_only = false) {
    // A folded constant's collation is left out too: the column's collation
    // applies to a default, and ALTER TYPE re-cooks defaults without one.
    static constexpr std::string_view kIgnored[] = {
        ":location ",      ":funcformat ", ":relabelformat ",  ":coerceformat ",
        ":convertformat ", ":row_format ", ":coercionformat ", ":constcollid "};
    const std::size_t n_ignored = locations_only ? 1 : std::size(kIgnored);
    out.clear();
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t colon = in.find(':', i);
        if (colon == std::string_view::npos) colon = in.size();
        out.append(in.data() + i, colon - i);
        i = colon;
        if (i == in.size()) break;
        bool blanked = false;
        for (std::size_t k = 0; k < n_ignored; ++k) {
            std::string_view field = kIgnored[k];
            if (in.compare(i, field.size(), field) == 0) {
                out.append(field.data(), field.size());
                i += field.size();
                while (i < in.size() && (in[i] == '-' || (in[i] >= '0' && in[i] <= '9'))) ++i;
                out += '0';
                blanked = true;
                break;
            }
        }
        if (!blanked) {
            out += ':';
            ++i;
        }
    }
}

String shape_of(Node *tree) {
    char *text = nodeToString(tree);
    String out;
    blank_ignored_fields(text, out);
    pfree(text);
    return out;
}

// CURRENT_TIMESTAMP and transaction_timestamp() are now() by other names;
// make them one tree so a default written either way compares equal.
Node *canonical_time(Node *node, void *context) {
    if (!node) return nullptr;
    bool is_now =
        (IsA(node, SQLValueFunction) &&
         castNode(SQLValueFunction, node)->op == SVFOP_CURRENT_TIMESTAMP) ||
        (IsA(node, FuncExpr) && castNode(FuncExpr, node)->funcid == F_TRANSACTION_TIMESTAMP);
    if (is_now)
        return reinterpret_cast<Node *>(
            makeFuncExpr(F_NOW, TIMESTAMPTZOID, NIL, InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
    // PostgreSQL 15 declares the walker type without parameters.
    using AnyFn = void (*)();  // the generic function pointer type: casts through it are allowed
    return expression_tree_mutator(
        node, reinterpret_cast<Node *(*)()>(reinterpret_cast<AnyFn>(canonical_time)), context);
}

String error_text(const PgError &e) {
    String s(e.what());
    FreeErrorData(e.data());
    return s;
}

}  // namespace

// ------------------------------------------------------------------ defaults

int DefaultInterner::intern(Node *folded) {
    if (IsA(folded, Const) && castNode(Const, folded)->constisnull) return 0;
    folded = canonical_time(folded, nullptr);
    String shape = shape_of(folded);
    auto it = by_shape_.find(shape);
    if (it != by_shape_.end()) return it->second;
    trees_.push_back(Entry{folded, String()});
    int id = static_cast<int>(trees_.size());
    by_shape_.emplace(std::move(shape), id);
    return id;
}

int DefaultInterner::intern_stored(std::string_view adbin) {
    // Keyed without parse locations: the same default on 5,000 tables is one
    // parse, not one per table (the locations differ with each DDL's text).
    blank_ignored_fields(adbin, scratch_, true);
    auto it = stored_.find(std::string_view(scratch_.data(), scratch_.size()));
    if (it != stored_.end()) return it->second;
    stored_text_.emplace_back(scratch_.begin(), scratch_.end());
    stored_text_.back().push_back('\0');  // stringToNode reads a C string
    const char *owned = stored_text_.back().data();
    int id;
    Node *tree = static_cast<Node *>(stringToNode(owned));
    if (IsA(tree, Const)) {
        id = intern(tree);
    } else {
        // Folding runs immutable functions, which may fail (DEFAULT 1/0 is
        // legal until a row needs it): compare such a default unfolded.
        try {
            id = in_subtransaction([&] { return intern(eval_const_expressions(nullptr, tree)); });
        } catch (const PgError &e) {
            FreeErrorData(e.data());
            id = intern(tree);
        }
    }
    stored_.emplace(std::string_view(owned, scratch_.size()), id);
    return id;
}

String DefaultInterner::sql(int id) {
    Entry &entry = trees_.at(static_cast<std::size_t>(id - 1));
    if (entry.sql.empty())
        entry.sql = guard([&] {
            char *text = deparse_expression(entry.tree, NIL, false, false);
            String s(text);
            pfree(text);
            return s;
        });
    return entry.sql;
}

// ------------------------------------------------------------------ resolver

const core::ResolvedType &PgResolver::resolve_type(const String &schema, const String &sql_type) {
    auto &by_text = types_[schema];
    auto it = by_text.find(sql_type);
    if (it != by_text.end()) return it->second;
    core::ResolvedType r = parse_type(schema, sql_type);
    return by_text.emplace(sql_type, std::move(r)).first->second;
}

core::ResolvedType PgResolver::parse_type(const String &schema, const String &sql_type) {
    core::ResolvedType r;
    try {
        r.key = in_subtransaction([&] {
            push_entity_search_path(schema.c_str());
            Oid typid;
            int32 typmod;
            parseTypeString(sql_type.c_str(), &typid, &typmod, false);
            if (get_typtype(typid) == TYPTYPE_PSEUDO)
                ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                                errmsg("type %s is a pseudo-type", format_type_be(typid))));
            PopOverrideSearchPath();
            return core::TypeKey{typid, typmod};
        });
        r.ok = true;
    } catch (const PgError &e) {
        r.error = error_text(e);
    }
    return r;
}

const core::ResolvedDefault &PgResolver::resolve_default(const String &schema, const String &expr,
                                                         core::TypeKey type) {
    auto &by_text = defaults_by_text_[schema][type];
    auto it = by_text.find(expr);
    if (it != by_text.end()) return it->second;
    core::ResolvedDefault r = parse_default(schema, expr, type);
    return by_text.emplace(expr, std::move(r)).first->second;
}

// What CREATE TABLE does with a DEFAULT clause (cookDefault), then constant folding.
core::ResolvedDefault PgResolver::parse_default(const String &schema, const String &expr,
                                                core::TypeKey type) {
    core::ResolvedDefault r;
    try {
        r.id = in_subtransaction([&] {
            push_entity_search_path(schema.c_str());
            Node *raw = parse_single_expression(expr.c_str());
            ParseState *ps = make_parsestate(nullptr);
            ps->p_sourcetext = expr.c_str();
            Node *cooked = transformExpr(ps, raw, EXPR_KIND_COLUMN_DEFAULT);
            Oid source = exprType(cooked);
            Node *coerced = coerce_to_target_type(ps, cooked, source, type.oid, type.typmod,
                                                  COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
            if (!coerced)
                ereport(ERROR,
                        (errcode(ERRCODE_DATATYPE_MISMATCH),
                         errmsg("default expression is of type %s, but the column is of type %s",
                                format_type_be(source),
                                format_type_with_typemod(type.oid, type.typmod))));
            assign_expr_collations(ps, coerced);
            if (expression_returns_set(coerced))
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("default expression must not return a set")));
            Node *folded = eval_const_expressions(nullptr, coerced);
            free_parsestate(ps);
            PopOverrideSearchPath();
            return defaults_.intern(folded);
        });
        r.ok = true;
    } catch (const PgError &e) {
        r.error = error_text(e);
    }
    return r;
}

String PgResolver::type_sql(core::TypeKey type) {
    auto it = type_names_.find(type);
    if (it != type_names_.end()) return it->second;
    String s = guard([&] {
        char *text = format_type_extended(type.oid, type.typmod, FORMAT_TYPE_TYPEMOD_GIVEN);
        String out(text);
        pfree(text);
        return out;
    });
    type_names_.emplace(type, s);
    return s;
}

bool PgResolver::assignment_cast(core::TypeKey from, core::TypeKey to) {
    if (from.oid == to.oid) return true;  // a typmod change: a length coercion at most
    return guard([&] {
        Oid source = from.oid;
        return can_coerce_type(1, &source, &to.oid, COERCION_ASSIGNMENT);
    });
}

bool PgResolver::explicit_cast(core::TypeKey from, core::TypeKey to) {
    if (from.oid == to.oid) return true;
    return guard([&] {
        Oid source = from.oid;
        return can_coerce_type(1, &source, &to.oid, COERCION_EXPLICIT);
    });
}

String PgResolver::quote_ident(std::string_view ident) {
    return guard([&] { return pg::quote_ident(ident); });
}

String PgResolver::quote_literal(std::string_view literal) {
    String in(literal.data(), literal.size());
    return guard([&] {
        char *quoted = quote_literal_cstr(in.c_str());
        String out(quoted);
        pfree(quoted);
        return out;
    });
}

String PgResolver::object_name(std::string_view schema, std::string_view table,
                               std::string_view column, std::string_view label) {
    String nsp_name(schema.data(), schema.size()), t(table.data(), table.size()),
        c(column.data(), column.size());
    for (int pass = 0;; ++pass) {
        // As ChooseConstraintName: key, key1, key2, ...
        String l(label.data(), label.size());
        if (pass > 0) l += std::to_string(pass).c_str();
        String name = guard([&] {
            char *made = makeObjectName(t.c_str(), c.c_str(), l.c_str());
            String out(made);
            pfree(made);
            return out;
        });
        String key = nsp_name;
        key.push_back('\0');
        key += name;
        if (chosen_names_.count(key)) continue;
        // A unique constraint's index is a relation: both name spaces count.
        bool taken = guard([&] {
            Oid nsp = get_namespace_oid(nsp_name.c_str(), true);
            return OidIsValid(nsp) && (OidIsValid(get_relname_relid(name.c_str(), nsp)) ||
                                       ConstraintNameExists(name.c_str(), nsp));
        });
        if (taken) continue;
        chosen_names_.insert(std::move(key));
        return name;
    }
}

}  // namespace selegic::pg
