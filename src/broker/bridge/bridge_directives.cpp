#include "bridge_directives.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_map>

#include "broker/config.hpp"
#include "mqtt/topic.hpp"

namespace tapmq::broker::bridge {

namespace {

struct Line {
    const DirectiveLine& l;
    BridgeConfig& b;
    std::vector<std::string>& warnings;

    [[noreturn]] void fail(const std::string& message) const {
        throw ConfigError(l.file, l.line, std::string(l.name), message);
    }
    [[noreturn]] void refuse(const std::string& why) const { fail("not supported by tapmqd: " + why); }
    void warn(const std::string& message) const {
        warnings.push_back(l.file + ":" + std::to_string(l.line) + ": directive '" + std::string(l.name) +
                           "': " + message);
    }
    // Words up to a comment.
    std::vector<std::string_view> words() const {
        std::vector<std::string_view> w;
        for (const auto a : l.args) {
            if (a.front() == '#') break;
            w.push_back(a);
        }
        return w;
    }
    std::string_view word() const {
        const auto w = words();
        if (w.empty()) fail("missing value");
        if (w.size() > 1) warn("extra value '" + std::string(w[1]) + "' ignored (as Mosquitto does)");
        return w[0];
    }
    std::int64_t integer_word(std::string_view w, std::int64_t min, std::int64_t max) const {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
        if (ec == std::errc::result_out_of_range) fail("value " + std::string(w) + " is out of range");
        if (ec != std::errc{} || end != w.data() + w.size())
            fail("invalid value '" + std::string(w) + "' (expected an integer)");
        if (v < min || v > max) {
            fail("value " + std::string(w) + " is out of range (" + std::to_string(min) + " to " +
                 std::to_string(max) + ")");
        }
        return v;
    }
    std::int64_t integer(std::int64_t min, std::int64_t max) const { return integer_word(word(), min, max); }
    bool boolean() const {
        const auto w = word();
        if (w == "true" || w == "1") return true;
        if (w == "false" || w == "0") return false;
        fail("invalid value '" + std::string(w) + "' (expected true or false)");
    }
    std::string string() const {
        if (l.rest.empty()) fail("missing value");
        return std::string(l.rest);
    }
};

using Handler = void (*)(const Line&);

template <bool BridgeConfig::*Field>
void set_bool(const Line& c) {
    c.b.*Field = c.boolean();
}
template <std::string BridgeConfig::*Field>
void set_string(const Line& c) {
    c.b.*Field = c.string();
}
template <std::optional<std::string> BridgeConfig::*Field>
void set_optional(const Line& c) {
    c.b.*Field = c.string();
}

void h_address(const Line& c) {
    if (!c.b.addresses.empty()) c.fail("the bridge's addresses are already given");
    for (const auto a : c.words()) {
        BridgeAddress addr;
        const auto colon = a.rfind(':');
        // host, host:port, and IPv6 literals (several colons) without a port, as Mosquitto.
        if (colon != std::string_view::npos && a.find(':') == colon) {
            addr.host = std::string(a.substr(0, colon));
            addr.port = static_cast<std::uint16_t>(c.integer_word(a.substr(colon + 1), 1, 65535));
        } else {
            addr.host = std::string(a);
        }
        if (addr.host.empty()) c.fail("an address without a host: '" + std::string(a) + "'");
        c.b.addresses.push_back(std::move(addr));
    }
    if (c.b.addresses.empty()) c.fail("missing value");
}

// topic pattern [[[out|in|both] qos] local_prefix remote_prefix]
void h_topic(const Line& c) {
    // Every word counts here ('#' is the commonest pattern, not a comment), as in Mosquitto.
    const auto& w = c.l.args;
    if (w.empty()) c.fail("missing value");
    if (w.size() > 5) c.warn("extra value '" + std::string(w[5]) + "' ignored (as Mosquitto does)");
    const auto quoted_empty = [](std::string_view s) { return s == "\"\""; };
    std::string_view pattern = quoted_empty(w[0]) ? std::string_view{} : w[0];
    Direction dir = Direction::Out;
    if (w.size() > 1) {
        std::string d(w[1]);
        std::transform(d.begin(), d.end(), d.begin(), [](unsigned char ch) {
            return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        });
        if (d == "in") {
            dir = Direction::In;
        } else if (d == "out") {
            dir = Direction::Out;
        } else if (d == "both") {
            dir = Direction::Both;
        } else {
            c.fail("invalid direction '" + std::string(w[1]) + "' (expected in, out or both)");
        }
    }
    std::uint8_t qos = 0;
    if (w.size() > 2) qos = static_cast<std::uint8_t>(c.integer_word(w[2], 0, 2));
    std::optional<std::string_view> local, remote;
    if (w.size() > 3 && !quoted_empty(w[3])) local = w[3];
    if (w.size() > 4 && !quoted_empty(w[4])) remote = w[4];
    std::string error;
    auto t = make_topic(pattern, dir, qos, local, remote, error);
    if (!t) c.fail(error);
    for (const auto& o : c.b.topics) {
        if (o.pattern == t->pattern && o.direction == t->direction && o.qos == t->qos &&
            o.local_prefix == t->local_prefix && o.remote_prefix == t->remote_prefix) {
            c.warn("duplicate bridge topic '" + t->pattern + "' skipped (as Mosquitto does)");
            return;
        }
    }
    c.b.topics.push_back(std::move(*t));
}

void h_protocol_version(const Line& c) {
    const auto w = c.word();
    if (w == "mqttv31") {
        c.b.protocol_version = 3;
    } else if (w == "mqttv311") {
        c.b.protocol_version = 4;
    } else if (w == "mqttv50") {
        c.b.protocol_version = 5;
    } else {
        c.fail("invalid value '" + std::string(w) + "' (expected mqttv31, mqttv311 or mqttv50)");
    }
}

void h_start_type(const Line& c) {
    const auto w = c.word();
    if (w == "automatic") {
        c.b.start_type = StartType::Automatic;
    } else if (w == "lazy") {
        c.b.start_type = StartType::Lazy;
    } else if (w == "once") {
        c.b.start_type = StartType::Once;
    } else {
        c.fail("invalid value '" + std::string(w) + "' (expected automatic, lazy or once)");
    }
}

void h_restart_timeout(const Line& c) {
    const auto w = c.words();
    if (w.empty()) c.fail("missing value");
    constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
    const auto base = c.integer_word(w[0], 1, kMax);
    if (w.size() > 1) {
        const auto cap = c.integer_word(w[1], 1, kMax);
        if (cap < base) c.fail("the backoff cap is lower than the base");
        c.b.restart_base = static_cast<std::uint32_t>(base);
        c.b.restart_cap = static_cast<std::uint32_t>(cap);
    } else {
        c.b.restart_base = static_cast<std::uint32_t>(base);  // a constant delay, as Mosquitto
        c.b.restart_cap = 0;
    }
}

void h_tls_version(const Line& c) {
    const auto w = c.word();
    if (w == "tlsv1.1")
        c.refuse("TLS 1.1 is not offered (OpenSSL 3 refuses it at its default security level); use tlsv1.2");
    if (w != "tlsv1.2" && w != "tlsv1.3")
        c.fail("invalid value '" + std::string(w) + "' (expected tlsv1.2 or tlsv1.3)");
    c.b.tls_version = std::string(w);
}

const std::unordered_map<std::string_view, Handler>& table() {
    using B = BridgeConfig;
    constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();
    static const std::unordered_map<std::string_view, Handler> t{
        {"address", h_address},
        {"addresses", h_address},
        {"topic", h_topic},
        {"bridge_protocol_version", h_protocol_version},
        {"start_type", h_start_type},
        {"restart_timeout", h_restart_timeout},
        {"bridge_tls_version", h_tls_version},
        {"round_robin", set_bool<&B::round_robin>},
        {"cleansession", set_bool<&B::cleansession>},
        {"local_cleansession", [](const Line& c) { c.b.local_cleansession = c.boolean(); }},
        {"try_private", set_bool<&B::try_private>},
        {"notifications", set_bool<&B::notifications>},
        {"notifications_local_only", set_bool<&B::notifications_local_only>},
        {"bridge_attempt_unsubscribe", set_bool<&B::attempt_unsubscribe>},
        {"bridge_outgoing_retain", set_bool<&B::outgoing_retain>},
        {"bridge_insecure", set_bool<&B::insecure>},
        {"bridge_require_ocsp",
         [](const Line& c) {
             if (c.boolean()) c.refuse("OCSP checks of the remote's certificate are not implemented");
         }},
        {"bridge_identity",
         [](const Line& c) {
             (void)c.string();
             c.refuse("TLS-PSK bridges are not implemented; use certificates (bridge_cafile...)");
         }},
        {"bridge_psk",
         [](const Line& c) {
             (void)c.string();
             c.refuse("TLS-PSK bridges are not implemented; use certificates (bridge_cafile...)");
         }},
        {"bridge_bind_address",
         [](const Line& c) {
             (void)c.string();
             c.refuse("bridge_bind_address is not implemented; the system picks the source address");
         }},
        {"bridge_cafile", set_string<&B::cafile>},
        {"bridge_capath", set_string<&B::capath>},
        {"bridge_certfile", set_string<&B::certfile>},
        {"bridge_keyfile", set_string<&B::keyfile>},
        {"bridge_alpn", set_string<&B::alpn>},
        {"clientid", set_string<&B::remote_clientid>},
        {"remote_clientid", set_string<&B::remote_clientid>},
        {"local_clientid", set_string<&B::local_clientid>},
        {"username", set_optional<&B::remote_username>},
        {"remote_username", set_optional<&B::remote_username>},
        {"password", set_optional<&B::remote_password>},
        {"remote_password", set_optional<&B::remote_password>},
        {"local_username", set_optional<&B::local_username>},
        {"local_password", set_optional<&B::local_password>},
        {"notification_topic",
         [](const Line& c) {
             c.b.notification_topic = c.string();
             if (!mqtt::is_valid_topic_name(c.b.notification_topic))
                 c.fail("'" + c.b.notification_topic + "' is not a valid topic name");
         }},
        {"keepalive_interval",
         [](const Line& c) {
             const auto v = c.integer(0, 65535);
             if (v != 0 && v < 5)
                 c.fail("value " + std::to_string(v) + " is out of range (0, or 5 to 65535)");
             c.b.keepalive_interval = static_cast<std::uint16_t>(v);
         }},
        {"threshold",
         [](const Line& c) { c.b.threshold = static_cast<std::uint32_t>(c.integer(1, kIntMax)); }},
        {"idle_timeout",
         [](const Line& c) { c.b.idle_timeout = static_cast<std::uint32_t>(c.integer(1, kIntMax)); }},
        {"bridge_max_packet_size",
         [](const Line& c) { c.b.max_packet_size = static_cast<std::uint32_t>(c.integer(0, 268435460)); }},
        {"bridge_receive_maximum",
         [](const Line& c) { c.b.receive_maximum = static_cast<std::uint16_t>(c.integer(1, 65535)); }},
        {"bridge_session_expiry_interval",
         [](const Line& c) {
             c.b.session_expiry_interval = static_cast<std::uint32_t>(c.integer(0, 4294967295));
         }},
    };
    return t;
}

// Directives whose repetition is a mistake rather than a later value winning.
bool once_only(std::string_view name) {
    return name == "local_clientid" || name == "remote_clientid" || name == "clientid" ||
           name == "notification_topic" || name == "bridge_cafile" || name == "bridge_capath" ||
           name == "bridge_certfile" || name == "bridge_keyfile";
}

}  // namespace

bool BridgeDirectives::handles(std::string_view name) {
    return name == "connection" || table().contains(name);
}

int BridgeDirectives::begin(const DirectiveLine& l) {
    std::vector<std::string_view> w;
    for (const auto a : l.args) {
        if (a.front() == '#') break;
        w.push_back(a);
    }
    if (w.empty()) throw ConfigError(l.file, l.line, "connection", "missing value");
    for (const auto& d : drafts_) {
        if (d.cfg.name == w[0]) {
            throw ConfigError(l.file, l.line, "connection",
                              "duplicate bridge name '" + d.cfg.name + "' (first at " + d.cfg.file + ":" +
                                  std::to_string(d.cfg.line) + ")");
        }
    }
    Draft d;
    d.cfg.name = std::string(w[0]);
    d.cfg.file = l.file;
    d.cfg.line = l.line;
    drafts_.push_back(std::move(d));
    return static_cast<int>(drafts_.size() - 1);
}

void BridgeDirectives::directive(int index, const DirectiveLine& l, std::vector<std::string>& warnings) {
    auto& d = drafts_.at(static_cast<std::size_t>(index));
    const auto it = table().find(l.name);
    if (it == table().end()) throw ConfigError(l.file, l.line, std::string(l.name), "unknown directive");
    if (once_only(l.name) && std::find(d.given.begin(), d.given.end(), l.name) != d.given.end())
        throw ConfigError(l.file, l.line, std::string(l.name),
                          "duplicate value in bridge '" + d.cfg.name + "'");
    d.given.emplace_back(l.name);
    if (l.name == "local_cleansession") d.local_cleansession_set = true;
    it->second(Line{l, d.cfg, warnings});
}

std::vector<BridgeConfig> BridgeDirectives::finish(const std::string& hostname) {
    std::vector<BridgeConfig> out;
    for (auto& d : drafts_) {
        auto& b = d.cfg;
        const auto fail = [&](const std::string& why) {
            throw ConfigError(b.file, b.line, "connection", "bridge '" + b.name + "' " + why);
        };
        if (b.addresses.empty()) fail("has no address");
        if (b.topics.empty()) fail("has no topic");
        if (!b.certfile.empty() != !b.keyfile.empty())
            fail("needs both bridge_certfile and bridge_keyfile, or neither");
        if (!b.certfile.empty() && !b.tls())
            fail("has a client certificate but no bridge_cafile or bridge_capath (TLS is off without one)");
        if ((b.insecure || !b.alpn.empty() || !b.tls_version.empty()) && !b.tls())
            fail("has TLS settings but no bridge_cafile or bridge_capath (TLS is off without one)");
        if (b.protocol_version != 5 && (b.receive_maximum != 0 || b.session_expiry_interval))
            fail(
                "uses bridge_receive_maximum or bridge_session_expiry_interval, which need "
                "bridge_protocol_version mqttv50");
        if (!d.local_cleansession_set) b.local_cleansession = b.cleansession;  // as Mosquitto
        if (b.remote_clientid.empty()) b.remote_clientid = hostname + "." + b.name;
        if (b.local_clientid.empty()) b.local_clientid = "local." + b.remote_clientid;
        if (b.notification_topic.empty())
            b.notification_topic = "$SYS/broker/connection/" + b.remote_clientid + "/state";
        out.push_back(std::move(b));
    }
    drafts_.clear();
    return out;
}

}  // namespace tapmq::broker::bridge
