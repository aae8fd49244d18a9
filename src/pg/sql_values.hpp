// Conversions between core values and SQL Datums.
#pragma once

#include <optional>
#include <string_view>

#include "core/types.hpp"
#include "pg/postgres.hpp"

namespace selegic::pg {

inline core::Uuid uuid_from_datum(Datum d) {
    core::Uuid id;
    memcpy(id.bytes.data(), DatumGetUUIDP(d)->data, UUID_LEN);
    return id;
}

// These palloc: call them inside guard().
// quote_identifier into a core string: quoted only where PostgreSQL needs it.
inline core::String quote_ident(std::string_view ident) {
    core::String in(ident.data(), ident.size());
    const char *quoted = quote_identifier(in.c_str());
    core::String out(quoted);
    if (quoted != in.c_str()) pfree(const_cast<char *>(quoted));
    return out;
}

inline Datum uuid_datum(const core::Uuid &id) {
    auto *u = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
    memcpy(u->data, id.bytes.data(), UUID_LEN);
    return UUIDPGetDatum(u);
}

inline void set_uuid(Datum &value, bool &isnull, const std::optional<core::Uuid> &id) {
    isnull = !id;
    value = (Datum)0;
    if (!id) return;
    auto *u = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
    memcpy(u->data, id->bytes.data(), UUID_LEN);
    value = UUIDPGetDatum(u);
}

inline void set_text(Datum &value, bool &isnull, const std::optional<core::String> &s) {
    isnull = !s;
    value = s ? PointerGetDatum(cstring_to_text_with_len(s->data(), static_cast<int>(s->size())))
              : (Datum)0;
}

}  // namespace selegic::pg
