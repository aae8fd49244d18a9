// Drift kinds, fix text and repair planning; the comparison itself is in
// compare.cpp and compare_columns.cpp.
#include "core/drift.hpp"

#include <algorithm>
#include <tuple>

#include "core/compare.hpp"
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

const char *kind_name(Kind kind) {
    switch (kind) {
        case Kind::MissingTable:
            return "missing_table";
        case Kind::MissingPrimaryKey:
            return "missing_primary_key";
        case Kind::MissingColumn:
            return "missing_column";
        case Kind::RenamedColumn:
            return "renamed_column";
        case Kind::TypeMismatch:
            return "type_mismatch";
        case Kind::NullabilityMismatch:
            return "nullability_mismatch";
        case Kind::DefaultMismatch:
            return "default_mismatch";
        case Kind::UniqueMismatch:
            return "unique_mismatch";
        case Kind::ForeignKeyMismatch:
            return "foreign_key_mismatch";
        case Kind::ExtraColumn:
            return "extra_column";
        case Kind::UnmanagedTable:
            return "unmanaged_table";
        case Kind::InvalidMetadata:
            return "invalid_metadata";
    }
    return "invalid_metadata";
}

std::optional<String> DriftRow::fix_text() const {
    if (repair.empty()) return std::nullopt;
    String out;
    for (const Statement &s : repair) {
        if (!out.empty()) out += '\n';
        out += s.sql;
        out += ';';
    }
    return out;
}

void apply_waivers(Vector<DriftRow> &rows, const Vector<Waiver> &waivers, std::int64_t now) {
    if (waivers.empty()) return;
    for (DriftRow &row : rows) {
        std::string_view kind = kind_name(row.kind);
        for (const Waiver &w : waivers) {
            if (w.until <= now || w.kind != kind || w.object != row.object) continue;
            if (!row.waived_until || *row.waived_until < w.until) row.waived_until = w.until;
        }
    }
}

Vector<Statement> plan_repair(const Vector<DriftRow> &rows) {
    Vector<Statement> out;
    for (const DriftRow &row : rows)
        if (!row.waived_until)
            for (const Statement &s : row.repair) out.push_back(s);
    std::stable_sort(out.begin(), out.end(), [](const Statement &a, const Statement &b) {
        return static_cast<int>(a.phase) < static_cast<int>(b.phase);
    });
    return out;
}

// By object, then kind; the same object and kind (two invalid values of one
// field) by content: the order is the same however the rows were gathered.
void sort_drift_rows(Vector<DriftRow> &rows) {
    auto key = [](const DriftRow &r) {
        return std::make_tuple(std::string_view(r.object), std::string_view(kind_name(r.kind)));
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const DriftRow &a, const DriftRow &b) {
        auto ka = key(a), kb = key(b);
        if (ka != kb) return ka < kb;
        return std::tie(a.field_id, a.expected, a.actual) <
               std::tie(b.field_id, b.expected, b.actual);
    });
}

Vector<DriftRow> compute_drift(const Vector<Entity> &entities, const Catalog &catalog,
                               Resolver &resolver, const DriftOptions &options) {
    return DriftChecker(entities, catalog, resolver, options).run();
}

}  // namespace selegic::core
