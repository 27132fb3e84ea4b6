#include "utf8.hpp"

#include <cstdint>
#include <cstring>

#include "byte_reader.hpp"

namespace tapmq::mqtt {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

// True when none of the 8 bytes of `w` is 0 and none has its top bit set: plain ASCII text.
constexpr bool ascii_without_nul(std::uint64_t w) noexcept {
    const std::uint64_t has_zero = (w - kOnes) & ~w & kHighBits;
    return ((w & kHighBits) | has_zero) == 0;
}

}  // namespace

bool is_valid_mqtt_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    // Topics and client identifiers are nearly always ASCII: check 8 bytes at a time until a byte
    // needs a closer look.
    while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if (!ascii_without_nul(w)) break;
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
