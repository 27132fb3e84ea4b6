#include "http/request_path.hpp"

#include <optional>

namespace tapmq::broker::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One segment, percent-decoded; nullopt for a malformed escape.
std::optional<std::string> decode_segment(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '%') {
            out.push_back(raw[i]);
            continue;
        }
        if (i + 2 >= raw.size()) return std::nullopt;
        const int hi = hex_value(raw[i + 1]);
        const int lo = hex_value(raw[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

}  // namespace

std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

ResolvedPath resolve_request_path(std::string_view target) {
    ResolvedPath r;
    const std::string_view raw = target_path(target);
    if (raw.empty() || raw.front() != '/') return {400, {}, false};
    r.directory = raw.back() == '/';
    std::size_t start = 1;
    while (start <= raw.size()) {
        std::size_t end = raw.find('/', start);
        if (end == std::string_view::npos) end = raw.size();
        const std::string_view seg = raw.substr(start, end - start);
        start = end + 1;
        if (seg.empty()) continue;  // "//" and the trailing '/'
        const auto decoded = decode_segment(seg);
        if (!decoded) return {400, {}, false};
        const std::string& s = *decoded;
        if (s.find_first_of(std::string_view("\0/\\", 3)) != std::string::npos) return {400, {}, false};
        if (s == "." || s == "..") return {400, {}, false};
        if (s.front() == '.' && s != ".well-known") return {404, {}, false};
        if (!r.path.empty()) r.path.push_back('/');
        r.path += s;
    }
    if (r.path.empty()) r.directory = true;
    if (r.directory) r.path += r.path.empty() ? "index.html" : "/index.html";
    return r;
}

}  // namespace tapmq::broker::http
