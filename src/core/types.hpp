// Basic vocabulary of the core: allocator-aware strings and containers, UUIDs
// and the typed error that carries a SQLSTATE to the boundary.
#pragma once

#include <array>
#include <cstring>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include <boost/container/pmr/flat_map.hpp>
#include <boost/container/pmr/flat_set.hpp>
#include <boost/container/pmr/string.hpp>
#include <boost/container/pmr/vector.hpp>

namespace selegic::core {

// Every container uses the default polymorphic resource. The boundary points
// that at a MemoryContext for the length of a call, so an ERROR that unwinds
// past these objects frees their memory with the context.
using String = boost::container::pmr::string;
template <class T>
using Vector = boost::container::pmr::vector<T>;
template <class K, class V>
using FlatMap = boost::container::pmr::flat_map<K, V>;
template <class K>
using FlatSet = boost::container::pmr::flat_set<K>;

inline String to_string(std::string_view s) {
    return String(s.data(), s.size());
}

struct Uuid {
    std::array<unsigned char, 16> bytes{};

    String to_string() const;
    // Parses the canonical 8-4-4-4-12 form; throws InvalidInput otherwise.
    static Uuid parse(std::string_view text);

    friend bool operator==(const Uuid &a, const Uuid &b) { return a.bytes == b.bytes; }
    friend bool operator!=(const Uuid &a, const Uuid &b) { return !(a == b); }
    // Byte order, compared as two big-endian words (a hot path: every field
    // is matched to its entity by id).
    friend bool operator<(const Uuid &a, const Uuid &b) {
        std::uint64_t ah = a.word(0), bh = b.word(0);
        return ah != bh ? ah < bh : a.word(1) < b.word(1);
    }
    std::uint64_t word(int i) const {
        std::uint64_t w;
        std::memcpy(&w, bytes.data() + 8 * i, 8);
        return __builtin_bswap64(w);
    }
};

// An error raised by the core. The boundary turns it into ereport(ERROR) with
// the same SQLSTATE, DETAIL and HINT.
class Error : public std::runtime_error {
public:
    Error(const char *sqlstate, const std::string &message, std::string detail = {},
          std::string hint = {})
        : std::runtime_error(message),
          sqlstate_(sqlstate),
          detail_(std::move(detail)),
          hint_(std::move(hint)) {}

    const char *sqlstate() const { return sqlstate_; }
    const std::string &detail() const { return detail_; }
    const std::string &hint() const { return hint_; }

private:
    const char *sqlstate_;  // five characters, e.g. "42704"
    std::string detail_;
    std::string hint_;
};

namespace sqlstate {
inline constexpr const char *undefined_object = "42704";
inline constexpr const char *invalid_parameter_value = "22023";
inline constexpr const char *invalid_text_representation = "22P02";
inline constexpr const char *internal_error = "XX000";
inline constexpr const char *data_exception = "22000";
inline constexpr const char *insufficient_privilege = "42501";
inline constexpr const char *trigger_protocol_violated = "39P01";
inline constexpr const char *event_trigger_protocol_violated = "39P03";
}  // namespace sqlstate

}  // namespace selegic::core
