// Tap resource paths `/object/instance/resource`: the text form ("/1024//9", "/1028/2/1") and the
// binary form in a TapRequest (three big-endian u16, 0xFFFF = absent).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tapmq::tap {

inline constexpr std::uint16_t kAbsent = 0xFFFF;
inline constexpr std::size_t kPathSize = 6;

struct Path {
    std::optional<std::uint16_t> object;
    std::optional<std::uint16_t> instance;
    std::optional<std::uint16_t> resource;

    // Text form: exactly three parts after a leading '/', each empty (absent) or a decimal number
    // 0..65534 (65535 is the wire's "absent" and is refused in text). Throws ProtocolError(BadRequest)
    // with a message saying what is wrong, e.g. `path "/1024/x/9": instance "x" is not a number`.
    static Path parse(std::string_view text);

    // "/1024//9": always three parts.
    std::string to_string() const;

    // Binary form: object, instance, resource as big-endian u16, kAbsent for an absent part. Any 6
    // bytes decode.
    std::string encode() const;
    void encode_to(std::string& out) const;
    static Path decode(std::string_view six_bytes);  // throws ProtocolError(BadRequest) unless 6 bytes

    bool operator==(const Path&) const = default;
};

}  // namespace tapmq::tap
