// CRC-32, table-driven (one byte at a time: the datalog checksums a few kilobytes a minute).
#include "crc32.hpp"

#include <array>

namespace tapmq::relay {

namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto kTable = make_table();

}  // namespace

std::uint32_t crc32(std::uint32_t crc, std::span<const std::byte> data) noexcept {
    crc = ~crc;
    for (std::byte b : data)
        crc = kTable[(crc ^ std::to_integer<std::uint32_t>(b)) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

}  // namespace tapmq::relay
