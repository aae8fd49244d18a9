#include "pg/resolver.hpp"

#include <cstring>
#include <iterator>
#include <string_view>

#include "pg/compat.hpp"
#include "pg/fold.hpp"
#include "pg/guard.hpp"
#include "pg/sql_values.hpp"

namespace selegic::pg {

using core::String;

namespace {

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

}  // namespace

// ------------------------------------------------------------------ defaults

int DefaultInterner::intern_tree(core::Vector<Node *> &trees, StringMap<int> &by_shape,
                                 Node *tree) {
    String shape = guard([&] { return shape_of(tree); });
    auto it = by_shape.find(shape);
    if (it != by_shape.end()) return it->second;
    trees.push_back(tree);
    int id = static_cast<int>(trees.size());
    by_shape.emplace(std::move(shape), id);
    return id;
}

DefaultInterner::Ids DefaultInterner::intern(Node *cooked) {
    Ids ids;
    Node *folded = canonical_time(fold_builtins(cooked));
    // DEFAULT NULL is no default.
    if (IsA(folded, Const) && castNode(Const, folded)->constisnull) return ids;
    ids.id = intern_tree(folded_, folded_by_shape_, folded);
    ids.text = intern_tree(texts_, texts_by_shape_, cooked);
    if (text_sql_.size() < texts_.size()) text_sql_.resize(texts_.size());
    return ids;
}

DefaultInterner::Ids DefaultInterner::intern_stored(std::string_view adbin) {
    // Keyed without parse locations: the same default on 5,000 tables is one
    // parse, not one per table (the locations differ with each DDL's text).
    blank_ignored_fields(adbin, scratch_, true);
    auto it = stored_.find(scratch_);
    if (it != stored_.end()) return it->second;
    String key = scratch_;
    Node *tree = guard([&] { return static_cast<Node *>(stringToNode(key.c_str())); });
    Ids ids = intern(tree);
    stored_.emplace(std::move(key), ids);
    return ids;
}

String DefaultInterner::sql(int text) {
    auto index = static_cast<std::size_t>(text - 1);
    String &cached = text_sql_.at(index);
    if (cached.empty()) {
        Node *tree = texts_.at(index);
        cached = guard([&] {
            char *deparsed = deparse_expression(tree, NIL, false, false);
            String out(deparsed);
            pfree(deparsed);
            return out;
        });
    }
    return cached;
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
    auto parsed = attempt_in_subtransaction([&] {
        int path = compat::push_entity_search_path(schema.c_str());
        Oid typid;
        int32 typmod;
        compat::parse_type_string(sql_type.c_str(), &typid, &typmod);
        if (get_typtype(typid) == TYPTYPE_PSEUDO)
            ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                            errmsg("type %s is a pseudo-type", format_type_be(typid))));
        compat::pop_entity_search_path(path);
        return core::TypeKey{typid, typmod};
    });
    if (parsed.ok()) {
        r.ok = true;
        r.key = parsed.value();
    } else {
        r.error = parsed.error().what();
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

// What CREATE TABLE does with a DEFAULT clause (cookDefault); the interner
// folds it for comparing and keeps it as it is for writing.
core::ResolvedDefault PgResolver::parse_default(const String &schema, const String &expr,
                                                core::TypeKey type) {
    core::ResolvedDefault r;
    auto cooked = attempt_in_subtransaction([&] {
        int path = compat::push_entity_search_path(schema.c_str());
        Node *raw = parse_single_expression(expr.c_str());
        ParseState *ps = make_parsestate(nullptr);
        ps->p_sourcetext = expr.c_str();
        Node *tree = transformExpr(ps, raw, EXPR_KIND_COLUMN_DEFAULT);
        Oid source = exprType(tree);
        Node *coerced = coerce_to_target_type(ps, tree, source, type.oid, type.typmod,
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
        free_parsestate(ps);
        compat::pop_entity_search_path(path);
        return coerced;
    });
    if (!cooked.ok()) {
        r.error = cooked.error().what();
        return r;
    }
    DefaultInterner::Ids ids = defaults_.intern(cooked.value());
    r.ok = true;
    r.id = ids.id;
    r.text = ids.text;
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
