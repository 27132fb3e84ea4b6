// Big-endian loads and stores over byte spans: how values sit in target memory and on the wire.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tapmq::relay::be {

inline std::uint16_t load_u16(std::span<const std::byte, 2> p) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}
inline std::uint32_t load_u32(std::span<const std::byte, 4> p) noexcept {
    return (std::to_integer<std::uint32_t>(p[0]) << 24) | (std::to_integer<std::uint32_t>(p[1]) << 16) |
           (std::to_integer<std::uint32_t>(p[2]) << 8) | std::to_integer<std::uint32_t>(p[3]);
}
inline std::uint64_t load_u64(std::span<const std::byte, 8> p) noexcept {
    return (std::uint64_t{load_u32(p.first<4>())} << 32) | load_u32(p.last<4>());
}
inline float load_f32(std::span<const std::byte, 4> p) noexcept {
    return std::bit_cast<float>(load_u32(p));
}

inline void store_u16(std::span<std::byte, 2> p, std::uint16_t v) noexcept {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v);
}
inline void store_u32(std::span<std::byte, 4> p, std::uint32_t v) noexcept {
    p[0] = std::byte(v >> 24);
    p[1] = std::byte(v >> 16);
    p[2] = std::byte(v >> 8);
    p[3] = std::byte(v);
}
inline void store_u64(std::span<std::byte, 8> p, std::uint64_t v) noexcept {
    store_u32(p.first<4>(), static_cast<std::uint32_t>(v >> 32));
    store_u32(p.last<4>(), static_cast<std::uint32_t>(v));
}
inline void store_f32(std::span<std::byte, 4> p, float v) noexcept {
    store_u32(p, std::bit_cast<std::uint32_t>(v));
}

}  // namespace tapmq::relay::be
