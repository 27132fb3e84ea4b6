#include "utf8.hpp"

#include <cstdint>

#include "byte_reader.hpp"
#include "swar.hpp"

namespace tapmq::mqtt {

bool is_valid_mqtt_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    // Topics and client identifiers are nearly always ASCII: check 8 bytes at a time until a byte
    // needs a closer look.
    while (end - p >= 8) {
        const std::uint64_t w = swar::load8(p);
        if ((w & swar::kHighBits) != 0 || swar::has_zero_byte(w)) break;
        p += 8;
    }
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {  // ASCII fast path
            if (c == 0) return false;
            ++p;
            continue;
        }
        int extra;
        std::uint32_t cp;
        std::uint32_t min;
        if ((c & 0xE0) == 0xC0) {
            extra = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;  // continuation byte or 0xF8..0xFF as a lead byte
        }
        if (end - p <= extra) return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        p += extra + 1;
    }
    return true;
}

std::string_view ByteReader::utf8() {
    std::string_view s = binary();
    if (!is_valid_mqtt_utf8(s)) malformed("invalid UTF-8 string");
    return s;
}

}  // namespace tapmq::mqtt
