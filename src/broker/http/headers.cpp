#include "http/headers.hpp"

#include <cctype>

namespace tapmq::broker::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// Calls f(item) for each comma separated, trimmed, non-empty item.
template <typename F>
void for_each_item(std::string_view list, F&& f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        if (!item.empty()) f(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

// q=0 (or 0.0, 0.00, 0.000) refuses a coding.
bool q_is_zero(std::string_view params) {
    while (!params.empty()) {
        const auto semi = params.find(';');
        std::string_view p = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
        p.remove_prefix(2);
        if (p.empty() || p[0] != '0') return false;
        for (char c : p.substr(1))
            if (c != '.' && c != '0') return false;
        return true;
    }
    return false;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
    bool gzip = false, star = false, gzip_refused = false;
    for_each_item(accept_encoding, [&](std::string_view item) {
        const auto semi = item.find(';');
        const std::string_view coding = trim(item.substr(0, semi));
        const bool zero = semi != std::string_view::npos && q_is_zero(item.substr(semi + 1));
        if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
            if (zero) {
                gzip_refused = true;
            } else {
                gzip = true;
            }
        } else if (coding == "*" && !zero) {
            star = true;
        }
    });
    return gzip || (star && !gzip_refused);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    auto strip_weak = [](std::string_view t) {
        if (t.size() >= 2 && t[0] == 'W' && t[1] == '/') t.remove_prefix(2);
        return t;
    };
    const std::string_view mine = strip_weak(etag);
    bool match = false;
    for_each_item(if_none_match, [&](std::string_view item) {
        if (item == "*" || strip_weak(item) == mine) match = true;
    });
    return match;
}

}  // namespace tapmq::broker::http
