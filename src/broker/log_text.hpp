// Client-chosen text in the log: client ids and user names come from the network and may hold
// control characters (a newline forging a log line, terminal escapes). Every log line that shows
// one goes through loggable(), which escapes them.
#pragma once

#include <string>
#include <string_view>

namespace tapmq::broker {

// `s` with every byte below 0x20, 0x7F and the backslash written as \xNN (\\ for the backslash);
// other bytes, UTF-8 included, unchanged.
inline std::string loggable(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto b = static_cast<unsigned char>(ch);
        if (b == '\\') {
            out += "\\\\";
        } else if (b < 0x20 || b == 0x7F) {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xF];
        } else {
            out += ch;
        }
    }
    return out;
}

}  // namespace tapmq::broker
