#include "url.hpp"

#include <algorithm>
#include <cctype>

namespace tapmq::client {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX becomes the byte; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::uint16_t parse_port(std::string_view s, std::string_view url) {
    if (s.empty()) throw UrlError("no port after ':' in '" + std::string(url) + "'");
    unsigned long value = 0;
    for (char c : s) {
        if (c < '0' || c > '9' || value > 65'535) {
            throw UrlError("invalid port '" + std::string(s) + "' in '" + std::string(url) + "'");
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65'535) {
        throw UrlError("port " + std::string(s) + " out of range (1-65535) in '" + std::string(url) + "'");
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

const char* scheme_name(Transport t) noexcept {
    switch (t) {
        case Transport::Tcp:
            return "mqtt";
        case Transport::Tls:
            return "mqtts";
        case Transport::Ws:
            return "ws";
        case Transport::Wss:
            return "wss";
    }
    return "mqtt";
}

std::uint16_t default_port(Transport t) noexcept {
    switch (t) {
        case Transport::Tcp:
            return 1883;
        case Transport::Tls:
            return 8883;
        case Transport::Ws:
            return 80;
        case Transport::Wss:
            return 443;
    }
    return 1883;
}

Url parse_url(std::string_view text) {
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) {
        throw UrlError("'" + std::string(text) +
                       "' is not a URL (expected mqtt://, mqtts://, ws:// or wss://host[:port]...)");
    }
    Url url;
    const std::string scheme = lower(text.substr(0, sep));
    if (scheme == "mqtt" || scheme == "tcp") {
        url.transport = Transport::Tcp;
    } else if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls") {
        url.transport = Transport::Tls;
    } else if (scheme == "ws") {
        url.transport = Transport::Ws;
    } else if (scheme == "wss") {
        url.transport = Transport::Wss;
    } else {
        throw UrlError("unknown URL scheme '" + std::string(text.substr(0, sep)) +
                       "' (use mqtt, mqtts, ws or wss)");
    }
    std::string_view rest = text.substr(sep + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

    // user[:password]@ : the last '@' of the authority ends it (an unencoded '@' in a password works).
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        url.username = percent_decode(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
        if (url.username->empty()) throw UrlError("empty user name in '" + std::string(text) + "'");
    }

    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            throw UrlError("unclosed '[' in the host of '" + std::string(text) + "'");
        }
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                throw UrlError("unexpected text after ']' in '" + std::string(text) + "'");
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
    }
    if (url.host.empty()) throw UrlError("no host in '" + std::string(text) + "'");
    url.port_given = has_port;
    url.port = has_port ? parse_port(port_text, text) : default_port(url.transport);

    if (uses_websocket(url.transport)) {
        url.ws_path = path.empty() ? std::string(kDefaultWebSocketPath) : std::string(path);
    } else if (!path.empty()) {
        url.topic = std::string(path.substr(1));
    }
    return url;
}

}  // namespace tapmq::client
