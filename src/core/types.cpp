#include "core/types.hpp"
#include "core/no_postgres.hpp"  // must be last

namespace selegic::core {

namespace {
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

String Uuid::to_string() const {
    String out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0xF]);
    }
    return out;
}

Uuid Uuid::parse(std::string_view text) {
    Uuid id;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < id.bytes.size(); ++i) {
        if ((i == 4 || i == 6 || i == 8 || i == 10) && pos < text.size() && text[pos] == '-') ++pos;
        int hi = pos < text.size() ? hex_value(text[pos]) : -1;
        int lo = pos + 1 < text.size() ? hex_value(text[pos + 1]) : -1;
        if (hi < 0 || lo < 0)
            throw Error(sqlstate::invalid_text_representation,
                        "invalid input syntax for type uuid: \"" + std::string(text) + "\"");
        id.bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
        pos += 2;
    }
    if (pos != text.size())
        throw Error(sqlstate::invalid_text_representation,
                    "invalid input syntax for type uuid: \"" + std::string(text) + "\"");
    return id;
}

}  // namespace selegic::core
