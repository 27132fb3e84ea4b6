// Base64 (RFC 4648 section 4, as Mosquitto writes it in password files and as SCRAM uses it) and
// base64url (section 5, without padding, as JWS uses it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tapmq::auth {

using Bytes = std::vector<std::uint8_t>;

// Standard alphabet, '=' padded.
std::string base64_encode(std::span<const std::uint8_t> data);
std::string base64_encode(std::string_view data);

// Standard alphabet. Padding is optional, but when present it must be correct; no whitespace,
// no characters outside the alphabet, and the unused low bits of the last character must be zero
// (so that every byte string has exactly one accepted encoding). nullopt on any violation.
std::optional<Bytes> base64_decode(std::string_view text);

// URL-safe alphabet ('-' and '_'), no padding.
std::string base64url_encode(std::span<const std::uint8_t> data);
std::string base64url_encode(std::string_view data);

// URL-safe alphabet; '=' padding is refused (JWS, RFC 7515 section 2), as are stray bits.
std::optional<Bytes> base64url_decode(std::string_view text);

}  // namespace tapmq::auth
