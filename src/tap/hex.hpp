// Hexadecimal text <-> bytes, for password hashes in project files, test vectors and logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tapmq::tap {

// Upper case, no separators: "0155AFFC".
std::string to_hex(std::string_view bytes);
// Either case, no separators; nullopt for an odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view text);

}  // namespace tapmq::tap
