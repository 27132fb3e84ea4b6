// Whitespace helpers shared by the readers of Mosquitto's text files (password, ACL, SCRAM).
#pragma once

#include <string_view>

namespace tapmq::auth::text {

// The C locale's isspace, without the locale.
constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

}  // namespace tapmq::auth::text
