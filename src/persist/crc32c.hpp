// CRC-32C (Castagnoli), as used by RocksDB's log format and by our own value encoding. Uses the SSE 4.2
// instruction where the CPU has it, a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tapmq::persist::detail {

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n);
inline std::uint32_t crc32c(const void* data, std::size_t n) {
    return crc32c_extend(0, data, n);
}

// RocksDB/LevelDB "masked" CRC stored in log record headers.
inline std::uint32_t crc32c_mask(std::uint32_t crc) {
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

}  // namespace tapmq::persist::detail
