// CRC-32 (IEEE 802.3, as zlib's crc32): the checksum of the datalog queue's records and head slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tapmq::relay {

// crc32(crc32(0, a), b) == crc32(0, a ‖ b).
std::uint32_t crc32(std::uint32_t crc, std::span<const std::byte> data) noexcept;
inline std::uint32_t crc32(std::span<const std::byte> data) noexcept {
    return crc32(0, data);
}

}  // namespace tapmq::relay
