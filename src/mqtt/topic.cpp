#include "topic.hpp"

#include <cstdint>

#include "swar.hpp"

namespace tapmq::mqtt {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

bool is_valid_plain_filter(std::string_view f) noexcept {
    if (f.empty()) return false;
    std::size_t start = 0;
    while (true) {
        std::size_t end = f.find('/', start);
        bool last = end == std::string_view::npos;
        std::string_view level = f.substr(start, last ? std::string_view::npos : end - start);
        if (level.find('#') != std::string_view::npos && (level != "#" || !last)) return false;
        if (level.find('+') != std::string_view::npos && level != "+") return false;
        if (last) return true;
        start = end + 1;
    }
}

}  // namespace

bool is_valid_topic_name(std::string_view name) noexcept {
    return !name.empty() && !has_wildcard(name);
}

bool has_wildcard(std::string_view s) noexcept {
    // Every PUBLISH asks, so 8 bytes at a time (find_first_of("+#") costs one memchr per byte).
    const char* p = s.data();
    const char* const end = p + s.size();
    for (; end - p >= 8; p += 8) {
        const std::uint64_t w = swar::load8(p);
        if (swar::has_byte(w, '+') || swar::has_byte(w, '#')) return true;
    }
    for (; p < end; ++p) {
        if (*p == '+' || *p == '#') return true;
    }
    return false;
}

bool is_shared_filter(std::string_view filter) noexcept {
    return filter.starts_with(kSharePrefix);
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
    if (!is_shared_filter(filter)) return is_valid_plain_filter(filter);
    std::string_view rest = filter.substr(kSharePrefix.size());
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return false;
    if (has_wildcard(rest.substr(0, slash))) return false;
    return is_valid_plain_filter(rest.substr(slash + 1));
}

SharedFilter split_shared_filter(std::string_view filter) noexcept {
    std::string_view rest = filter.substr(kSharePrefix.size());
    std::size_t slash = rest.find('/');
    return {rest.substr(0, slash), rest.substr(slash + 1)};
}

bool topic_matches(std::string_view filter, std::string_view name) noexcept {
    if (!name.empty() && name.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#')) {
        return false;
    }
    std::size_t f = 0;
    std::size_t n = 0;
    bool name_done = false;
    while (true) {
        std::size_t fe = filter.find('/', f);
        if (fe == std::string_view::npos) fe = filter.size();
        std::string_view flevel = filter.substr(f, fe - f);
        if (flevel == "#") return true;  // also matches the parent level: "a/#" matches "a"
        if (name_done) return false;
        std::size_t ne = name.find('/', n);
        if (ne == std::string_view::npos) ne = name.size();
        if (flevel != "+" && flevel != name.substr(n, ne - n)) return false;
        const bool filter_last = fe == filter.size();
        const bool name_last = ne == name.size();
        if (filter_last) return name_last;
        f = fe + 1;
        if (name_last) {
            name_done = true;
        } else {
            n = ne + 1;
        }
    }
}

}  // namespace tapmq::mqtt
