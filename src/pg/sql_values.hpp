// Conversions between core values and SQL Datums.
#pragma once

#include <optional>

#include "core/types.hpp"
#include "pg/postgres.hpp"

namespace selegic::pg {

inline core::Uuid uuid_from_datum(Datum d) {
    core::Uuid id;
    memcpy(id.bytes.data(), DatumGetUUIDP(d)->data, UUID_LEN);
    return id;
}

// These palloc: call them inside guard().
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
