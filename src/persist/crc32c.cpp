#include "persist/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define TAPMQ_CRC32C_X86 1
#endif

namespace tapmq::persist::detail {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto kTable = make_table();

std::uint32_t extend_table(std::uint32_t crc, const unsigned char* p, std::size_t n) {
    crc = ~crc;
    for (std::size_t i = 0; i < n; ++i)
        crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#ifdef TAPMQ_CRC32C_X86
__attribute__((target("sse4.2"))) std::uint32_t extend_hw(std::uint32_t crc, const unsigned char* p,
                                                          std::size_t n) {
    std::uint64_t c = ~crc;
    while (n >= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    auto c32 = static_cast<std::uint32_t>(c);
    while (n > 0) {
        c32 = _mm_crc32_u8(c32, *p++);
        --n;
    }
    return ~c32;
}

bool have_hw() {
    static const bool have = __builtin_cpu_supports("sse4.2");
    return have;
}
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
#ifdef TAPMQ_CRC32C_X86
    if (have_hw()) return extend_hw(crc, p, n);
#endif
    return extend_table(crc, p, n);
}

}  // namespace tapmq::persist::detail
