// Whitespace and line helpers shared by the readers of Mosquitto's text files (password, ACL, SCRAM).
#pragma once

#include <cstddef>
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

// Calls f(line, number) for each line of a Mosquitto-style text file, numbered from 1 and trimmed;
// blank lines and # comments are skipped.
template <typename F>
void for_each_entry_line(std::string_view text, F&& f) {
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = trim(text.substr(start, nl - start));
        start = nl + 1;
        ++number;
        if (line.empty() || line.front() == '#') continue;
        f(line, number);
    }
}

}  // namespace tapmq::auth::text
