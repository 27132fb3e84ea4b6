// Eight bytes at a time ("SIMD within a register") for the checks every PUBLISH pays for: the
// topic name's UTF-8 and wildcard scans.
#pragma once

#include <cstdint>
#include <cstring>

namespace tapmq::mqtt::swar {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ull;
inline constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

inline std::uint64_t load8(const void* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

// True when one of the 8 bytes of `w` is zero (exact: borrows only reach bytes above a zero one).
constexpr bool has_zero_byte(std::uint64_t w) noexcept {
    return ((w - kOnes) & ~w & kHighBits) != 0;
}

// True when one of the 8 bytes of `w` equals `c`.
constexpr bool has_byte(std::uint64_t w, unsigned char c) noexcept {
    return has_zero_byte(w ^ (kOnes * c));
}

}  // namespace tapmq::mqtt::swar
