// Reading mosquitto.conf (Mosquitto 2.0) and tapmq's extensions. The behaviour follows Mosquitto
// 2.0.11's src/conf.c wherever a user could tell the difference (see docs/config.md), with these
// deliberate differences, all in the direction of rejecting less or telling more:
//   * tabs separate words like spaces, and a line whose first non-blank character is '#' is a comment;
//   * numbers must be whole decimal integers (Mosquitto's atoi() reads "12abc" as 12 and "abc" as 0);
//   * a missing value is always an error (Mosquitto ignores a few empty directives);
//   * extra words after a one-word value are ignored with a warning (Mosquitto ignores them silently);
//   * settings that Mosquitto silently drops (security settings for a default listener that is never
//     started, for instance) are reported as warnings;
//   * an explicit allow_anonymous false is honoured in local only mode.
#include "broker/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <unistd.h>

#include "broker/bridge/bridge_directives.hpp"
#include "broker/http/cidr.hpp"

namespace tapmq::broker {

namespace {

std::string format_error(const std::string& file, int line, const std::string& directive,
                         const std::string& message) {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
    if (!directive.empty()) out += "directive '" + directive + "': ";
    out += message;
    return out;
}

}  // namespace

ConfigError::ConfigError(std::string file_, int line_, std::string directive_, std::string message_)
    : std::runtime_error(format_error(file_, line_, directive_, message_)),
      file(std::move(file_)),
      line(line_),
      directive(std::move(directive_)),
      message(std::move(message_)) {}

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();  // Mosquitto's int
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxPayload = 268435455;  // MQTT's largest remaining length

struct Loc {
    std::string file;
    int line = 0;
};

std::string where(const Loc& loc) {
    return loc.file + ":" + std::to_string(loc.line);
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (s.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// A decimal integer with an optional sign, nothing else. Values beyond int64 saturate, so that the
// range check reports them.
std::optional<std::int64_t> parse_integer(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
    if (ec == std::errc::result_out_of_range || end != s.data() + s.size()) {
        return negative ? kInt64Min : kInt64Max;
    }
    if (negative) {
        if (magnitude > static_cast<std::uint64_t>(kInt64Max) + 1) return kInt64Min;
        return static_cast<std::int64_t>(0 - magnitude);
    }
    if (magnitude > static_cast<std::uint64_t>(kInt64Max)) return kInt64Max;
    return static_cast<std::int64_t>(magnitude);
}

// include_dir order (mosquitto.conf(5)): case-insensitive first, then upper case before lower case of
// the same letter: 00.conf 01.conf A.conf a.conf B.conf b.conf.
bool mosquitto_file_order(const std::string& a, const std::string& b) {
    auto upper = [](unsigned char c) { return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : int{c}; };
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto ca = static_cast<unsigned char>(a[i]);
        const auto cb = static_cast<unsigned char>(b[i]);
        if (upper(ca) != upper(cb)) return upper(ca) < upper(cb);
        if (ca != cb) return ca < cb;
    }
    return a.size() < b.size();
}

// A line split into its directive and its words; `rest` is everything after the directive, trimmed
// (the value of the string directives, which may contain blanks).
struct Tokens {
    std::string_view name;
    std::string_view rest;
    std::vector<std::string_view> args;
};

Tokens tokenize(std::string_view line) {
    Tokens t;
    line = trim(line);
    std::size_t i = 0;
    while (i < line.size() && !is_blank(line[i]))
        ++i;
    t.name = line.substr(0, i);
    t.rest = trim(line.substr(i));
    std::string_view r = t.rest;
    while (!r.empty()) {
        std::size_t j = 0;
        while (j < r.size() && !is_blank(r[j]))
            ++j;
        t.args.push_back(r.substr(0, j));
        r = trim(r.substr(j));
    }
    return t;
}

using Assigned = std::map<std::string, Loc, std::less<>>;

struct SecurityDraft {
    SecurityConfig cfg;
    std::optional<bool> allow_anonymous;
    Assigned assigned;  // string directives already given (Mosquitto rejects duplicates)
};

struct ListenerDraft {
    ListenerConfig cfg;
    SecurityDraft security;
    Assigned assigned;
    std::vector<std::pair<std::string, Loc>> given;  // default listener: what was applied to it
};

// Mosquitto keeps the current listener, bridge and plugin per file: in every file (the main one and
// each included one) directives before the first `listener` line apply to the default listener.
struct FileState {
    Loc loc;
    int level = 0;
    int listener = -1;  // index into Parser::listeners, -1 = the default listener
    int bridge = -1;    // index into Parser::bridges, -1 = not in a bridge section
    bool plugin = false;
};

constexpr std::string_view kLogTypes[] = {"error",     "warning",     "notice",     "information", "debug",
                                          "subscribe", "unsubscribe", "websockets", "internal"};
constexpr std::string_view kLogDests[] = {"stdout", "stderr", "syslog", "topic", "file", "dlt"};

struct Parser;

struct Ctx {
    Parser& p;
    FileState& fs;
    const Tokens& t;
    std::string name;

    [[noreturn]] void fail(const std::string& message) const {
        throw ConfigError(fs.loc.file, fs.loc.line, name, message);
    }
    void warn(const std::string& message) const;
    // The directive asks for something tapmqd does not do: refused, never accepted and ignored.
    [[noreturn]] void refuse(const std::string& why) const { fail("not supported by tapmqd: " + why); }
    // The directive has no meaning for tapmqd: accepted, with an info line saying why.
    void meaningless(const std::string& why) const;

    std::string_view word() const {
        if (t.args.empty()) fail("missing value");
        return t.args[0];
    }
    // Mosquitto reads the words it needs and ignores the rest of the line; so do we, with a warning
    // unless the rest is a comment.
    void extra_after(std::size_t used) const {
        if (t.args.size() <= used || t.args[used].front() == '#') return;
        const auto offset = static_cast<std::size_t>(t.args[used].data() - t.rest.data());
        warn("extra value '" + std::string(t.rest.substr(offset)) + "' ignored (as Mosquitto does)");
    }
    static std::optional<bool> to_bool(std::string_view w) {
        if (w == "true" || w == "1") return true;
        if (w == "false" || w == "0") return false;
        return std::nullopt;
    }
    bool boolean() const {
        const auto w = word();
        const auto v = to_bool(w);
        if (!v) fail("invalid value '" + std::string(w) + "' (expected true or false)");
        extra_after(1);
        return *v;
    }
    std::int64_t integer_word(std::string_view w, std::int64_t min, std::int64_t max) const {
        const auto v = parse_integer(w);
        if (!v) fail("invalid value '" + std::string(w) + "' (expected an integer)");
        if (*v < min || *v > max) {
            fail("value " + std::string(w) + " is out of range (" + std::to_string(min) + " to " +
                 std::to_string(max) + ")");
        }
        return *v;
    }
    std::int64_t integer(std::int64_t min, std::int64_t max) const {
        const auto v = integer_word(word(), min, max);
        extra_after(1);
        return v;
    }
    // Mosquitto turns negative values of some limits into 0.
    std::int64_t integer_negative_is_zero(std::int64_t max) const {
        const auto v = integer(kInt64Min, max);
        if (v >= 0) return v;
        warn("negative value " + std::to_string(v) + " is taken as 0 (as Mosquitto does)");
        return 0;
    }
    // The rest of the line: paths, prefixes and formats may contain blanks.
    std::string string() const {
        if (t.rest.empty()) fail("missing value");
        if (!valid_utf8(t.rest)) fail("value is not valid UTF-8");
        if (t.rest.size() > 65535) fail("value is longer than 65535 bytes");
        return std::string(t.rest);
    }
    void set_string(Assigned& assigned, std::string& field) const {
        std::string value = string();
        if (auto it = assigned.find(name); it != assigned.end()) {
            fail("duplicate value (first given at " + where(it->second) + ")");
        }
        assigned.emplace(name, fs.loc);
        field = std::move(value);
    }
};

struct Parser {
    explicit Parser(ParseOptions o) : options(o) {}

    ParseOptions options;
    fs::path main_file;  // empty when parsing a string

    Config cfg;
    Assigned global_assigned;
    SecurityDraft global_security;
    ListenerDraft default_listener;
    std::optional<std::uint16_t> default_port;
    std::vector<ListenerDraft> listeners;
    bridge::BridgeDirectives bridges;
    bool local_only = true;         // no listener, port or bind_address seen
    bool security_touched = false;  // a security directive was seen (per_listener_settings must precede)
    bool log_dest_set = false;
    std::vector<std::string> log_dest;
    bool log_type_set = false;
    std::vector<std::string> log_type;

    void parse_text(std::string_view text, const std::string& file, int level);
    // A line of a bridge section (bridge/bridge_directives.cpp); `connection` starts one.
    void bridge_line(const Ctx& c);
    void line(FileState& fs, std::string_view text);
    void include_dir(const Ctx& c, const std::string& dir);
    Config finish();

    ListenerDraft& listener(const Ctx& c) {
        if (c.fs.listener >= 0) return listeners[static_cast<std::size_t>(c.fs.listener)];
        default_listener.given.emplace_back(c.name, c.fs.loc);
        return default_listener;
    }
    SecurityDraft& security(const Ctx& c) {
        security_touched = true;
        return cfg.per_listener_settings ? listener(c).security : global_security;
    }
    void warning(const Loc& loc, const std::string& name, const std::string& message) {
        cfg.warnings.push_back(where(loc) + ": directive '" + name + "'" + message);
    }
};

void Ctx::warn(const std::string& message) const {
    p.warning(fs.loc, name, ": " + message);
}
void Ctx::meaningless(const std::string& why) const {
    p.cfg.notes.push_back(where(fs.loc) + ": directive '" + name + "' has no effect: " + why);
}

using Handler = void (*)(const Ctx&);

// ---- directive handlers -------------------------------------------------------------------------

template <bool Config::*Field>
void global_bool(const Ctx& c) {
    c.p.cfg.*Field = c.boolean();
}

template <std::string Config::*Field>
void global_string(const Ctx& c) {
    c.set_string(c.p.global_assigned, c.p.cfg.*Field);
}

template <bool ListenerConfig::*Field>
void listener_bool(const Ctx& c) {
    const bool v = c.boolean();
    c.p.listener(c).cfg.*Field = v;
}

template <std::string ListenerConfig::*Field>
void listener_string(const Ctx& c) {
    auto& l = c.p.listener(c);
    c.set_string(l.assigned, l.cfg.*Field);
}

void h_listener(const Ctx& c) {
    auto& p = c.p;
    p.local_only = false;
    const auto port = static_cast<std::uint16_t>(c.integer_word(c.word(), 0, 65535));
    std::string address;
    if (c.t.args.size() > 1 && c.t.args[1].front() != '#') address = std::string(c.t.args[1]);
    c.extra_after(2);
    if (port == 0 && address.empty()) c.fail("a listener with port 0 must give a unix socket path");
    for (const auto& other : p.listeners) {
        const auto& o = other.cfg;
        if (o.port == port && (port == 0 ? o.unix_socket : o.bind_address) == address)
            c.fail("the same listener is already defined at " + o.file + ":" + std::to_string(o.line));
    }
    ListenerDraft d;
    d.cfg.port = port;
    (port == 0 ? d.cfg.unix_socket : d.cfg.bind_address) = address;
    d.cfg.file = c.fs.loc.file;
    d.cfg.line = c.fs.loc.line;
    p.listeners.push_back(std::move(d));
    c.fs.listener = static_cast<int>(p.listeners.size() - 1);
}

void h_port(const Ctx& c) {
    auto& p = c.p;
    p.local_only = false;
    const auto port = static_cast<std::uint16_t>(c.integer(1, 65535));
    if (p.default_port)
        c.warn("default listener port given more than once; the last one is used (as Mosquitto)");
    p.default_port = port;
}

void h_bind_address(const Ctx& c) {
    auto& p = c.p;
    p.local_only = false;
    c.set_string(p.default_listener.assigned, p.default_listener.cfg.bind_address);
}

void h_protocol(const Ctx& c) {
    const auto w = c.word();
    if (w != "mqtt" && w != "websockets") {
        c.fail("invalid value '" + std::string(w) + "' (expected mqtt or websockets)");
    }
    c.extra_after(1);
    c.p.listener(c).cfg.protocol = std::string(w);
}

void h_socket_domain(const Ctx& c) {
    const auto w = c.word();
    if (w != "ipv4" && w != "ipv6") c.fail("invalid value '" + std::string(w) + "' (expected ipv4 or ipv6)");
    c.extra_after(1);
    c.p.listener(c).cfg.socket_domain = std::string(w);
}

void h_max_connections(const Ctx& c) {
    const auto v = c.integer(kInt64Min, kIntMax);
    auto& l = c.p.listener(c).cfg;
    if (v < 0) {
        l.max_connections.reset();
    } else {
        l.max_connections = static_cast<std::uint32_t>(v);
    }
}

void h_max_qos(const Ctx& c) {
    const auto v = c.integer(0, 2);
    c.p.listener(c).cfg.max_qos = static_cast<std::uint8_t>(v);
}

void h_max_topic_alias(const Ctx& c) {
    const auto v = c.integer(0, 65535);
    c.p.listener(c).cfg.max_topic_alias = static_cast<std::uint16_t>(v);
}

void h_mount_point(const Ctx& c) {
    if (c.p.listeners.empty()) c.fail("a listener must be defined before mount_point");
    auto& l = c.p.listener(c);
    c.set_string(l.assigned, l.cfg.mount_point);
    if (l.cfg.mount_point.find_first_of("+#") != std::string::npos) {
        c.fail("invalid mount point '" + l.cfg.mount_point + "' (contains a wildcard)");
    }
}

// http_metrics_allow CIDR [CIDR...]: may be repeated; the ranges add up.
void h_http_metrics_allow(const Ctx& c) {
    auto& l = c.p.listener(c).cfg;
    if (c.t.args.empty()) c.fail("missing value");
    for (const auto w : c.t.args) {
        if (w.front() == '#') break;
        if (!http::parse_cidr(w)) {
            c.fail("invalid address range '" + std::string(w) + "' (expected ADDRESS or ADDRESS/BITS)");
        }
        l.http_metrics_allow.emplace_back(w);
    }
}

void h_tls_version(const Ctx& c) {
    auto& l = c.p.listener(c);
    c.set_string(l.assigned, l.cfg.tls_version);
    if (l.cfg.tls_version != "tlsv1.1" && l.cfg.tls_version != "tlsv1.2" && l.cfg.tls_version != "tlsv1.3") {
        c.fail("invalid value '" + l.cfg.tls_version + "' (expected tlsv1.1, tlsv1.2 or tlsv1.3)");
    }
    if (l.cfg.tls_version == "tlsv1.1")
        c.refuse("TLS 1.1 is not offered (OpenSSL 3 refuses it at its default security level); use tlsv1.2");
}

void h_jwt_algorithm(const Ctx& c) {
    auto& s = c.p.security(c);
    c.set_string(s.assigned, s.cfg.auth_jwt_algorithm);
    const auto& a = s.cfg.auth_jwt_algorithm;
    if (a != "HS256" && a != "RS256" && a != "ES256")
        c.fail("invalid value '" + a + "' (expected HS256, RS256 or ES256)");
}

// Security settings: global, or the current listener's with per_listener_settings true.
void h_allow_anonymous(const Ctx& c) {
    const bool v = c.boolean();
    c.p.security(c).allow_anonymous = v;
}
void h_allow_zero_length_clientid(const Ctx& c) {
    const bool v = c.boolean();
    c.p.security(c).cfg.allow_zero_length_clientid = v;
}
template <std::string SecurityConfig::*Field>
void security_string(const Ctx& c) {
    auto& s = c.p.security(c);
    c.set_string(s.assigned, s.cfg.*Field);
}
void h_plugin(const Ctx& c) {
    (void)c.string();
    c.refuse(
        "plugins cannot be loaded; the plugin's authentication and access control would not apply, "
        "so tapmqd refuses to start rather than run open (use password_file, acl_file or auth_jwt_*)");
}
void h_plugin_option(const Ctx& c) {
    if (!c.fs.plugin) c.fail("plugin option without a preceding auth_plugin or plugin line");
    const auto prefix = c.name.starts_with("auth_opt_") ? 9u : 11u;
    if (c.name.size() == prefix) c.fail("plugin option without a name");
    (void)c.string();
}
void h_auth_plugin_deny_special_chars(const Ctx& c) {
    if (!c.fs.plugin) c.fail("auth_plugin_deny_special_chars without a preceding auth_plugin or plugin line");
    (void)c.boolean();
}

void h_per_listener_settings(const Ctx& c) {
    auto& p = c.p;
    const bool v = c.boolean();
    if (p.cfg.per_listener_settings) {
        if (!v) c.warn("cannot be turned off once true; ignored (as Mosquitto)");
        return;
    }
    if (v && p.security_touched)
        c.fail("per_listener_settings must be set before any other security setting");
    p.cfg.per_listener_settings = v;
}

void h_check_retain_source(const Ctx& c) {
    c.p.security_touched = true;  // Mosquitto counts it as a security setting
    c.p.cfg.check_retain_source = c.boolean();
}

void h_persistent_client_expiration(const Ctx& c) {
    const auto w = c.word();
    std::uint64_t unit = 0;
    switch (w.back()) {
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 86400 * 7;
            break;
        case 'm':
            unit = 86400 * 30;
            break;
        case 'y':
            unit = 86400 * 365;
            break;
        default:
            break;
    }
    const auto n = unit ? parse_integer(w.substr(0, w.size() - 1)) : std::nullopt;
    if (!n || *n <= 0 || *n > kIntMax) {
        c.fail("invalid duration '" + std::string(w) +
               "' (expected a positive integer followed by h, d, w, m or y)");
    }
    c.extra_after(1);
    c.p.cfg.persistent_client_expiration = static_cast<std::uint64_t>(*n) * unit;
}

void h_log_dest(const Ctx& c) {
    auto& p = c.p;
    const auto w = c.word();
    if (w == "none") {
        c.extra_after(1);
        p.log_dest_set = true;
        p.log_dest.clear();
        return;
    }
    if (std::find(std::begin(kLogDests), std::end(kLogDests), w) == std::end(kLogDests)) {
        c.fail("invalid value '" + std::string(w) +
               "' (expected stdout, stderr, syslog, topic, file, dlt or none)");
    }
    if (w == "file") {
        if (c.t.args.size() < 2) c.fail("missing file name after 'file'");
        if (!p.cfg.log_file.empty()) c.fail("only one 'log_dest file' may be given");
        const auto offset = static_cast<std::size_t>(c.t.args[1].data() - c.t.rest.data());
        const auto path = c.t.rest.substr(offset);
        if (!valid_utf8(path)) c.fail("value is not valid UTF-8");
        p.cfg.log_file = std::string(path);
    } else {
        c.extra_after(1);
    }
    p.log_dest_set = true;
    if (std::find(p.log_dest.begin(), p.log_dest.end(), w) == p.log_dest.end()) p.log_dest.emplace_back(w);
    if (w == "dlt") c.refuse("the 'dlt' log destination is not implemented");
}

void h_log_type(const Ctx& c) {
    auto& p = c.p;
    const auto w = c.word();
    c.extra_after(1);
    p.log_type_set = true;
    if (w == "none") {
        p.log_type.clear();
    } else if (w == "all") {
        p.log_type.assign(std::begin(kLogTypes), std::end(kLogTypes));
    } else if (std::find(std::begin(kLogTypes), std::end(kLogTypes), w) != std::end(kLogTypes)) {
        if (std::find(p.log_type.begin(), p.log_type.end(), w) == p.log_type.end())
            p.log_type.emplace_back(w);
    } else {
        c.fail("invalid value '" + std::string(w) +
               "' (expected debug, error, warning, notice, information, subscribe, unsubscribe, websockets, "
               "internal, none or all)");
    }
}

void h_log_facility(const Ctx& c) {
    c.p.cfg.log_facility = static_cast<int>(c.integer(0, 7));
}

void h_include_dir(const Ctx& c) {
    const std::string dir = c.string();
    if (c.fs.level > 0) {
        c.warn("only processed in the main configuration file (as Mosquitto); ignored");
        return;
    }
    if (!c.p.options.follow_include_dir) {
        c.warn("includes are disabled for this parse; ignored");
        return;
    }
    c.p.include_dir(c, dir);
}

void h_durability(const Ctx& c) {
    const auto w = c.word();
    if (w != "os" && w != "fsync") c.fail("invalid value '" + std::string(w) + "' (expected os or fsync)");
    c.extra_after(1);
    c.p.cfg.durability = std::string(w);
}

void h_shared_subscription_strategy(const Ctx& c) {
    const auto w = c.word();
    if (w != "round_robin" && w != "local") {
        c.fail("invalid value '" + std::string(w) + "' (expected round_robin or local)");
    }
    c.extra_after(1);
    c.p.cfg.shared_subscription_strategy = std::string(w);
}

template <class T, T Config::*Field, std::int64_t Min, std::int64_t Max>
void global_int(const Ctx& c) {
    c.p.cfg.*Field = static_cast<T>(c.integer(Min, Max));
}

template <class T, T Config::*Field, std::int64_t Max>
void global_int_negative_is_zero(const Ctx& c) {
    c.p.cfg.*Field = static_cast<T>(c.integer_negative_is_zero(Max));
}

const std::unordered_map<std::string_view, Handler>& directives() {
    using C = Config;
    using L = ListenerConfig;
    using S = SecurityConfig;
    static const std::unordered_map<std::string_view, Handler> table{
        // Listeners.
        {"listener", h_listener},
        {"port", h_port},
        {"bind_address", h_bind_address},
        {"bind_interface", listener_string<&L::bind_interface>},
        {"protocol", h_protocol},
        {"socket_domain", h_socket_domain},
        {"max_connections", h_max_connections},
        {"max_qos", h_max_qos},
        {"maximum_qos", h_max_qos},
        {"max_topic_alias", h_max_topic_alias},
        {"mount_point", h_mount_point},
        {"use_username_as_clientid", listener_bool<&L::use_username_as_clientid>},
        {"cafile", listener_string<&L::cafile>},
        {"capath", listener_string<&L::capath>},
        {"certfile", listener_string<&L::certfile>},
        {"keyfile", listener_string<&L::keyfile>},
        {"crlfile", listener_string<&L::crlfile>},
        {"dhparamfile", listener_string<&L::dhparamfile>},
        {"ciphers", listener_string<&L::ciphers>},
        {"ciphers_tls1.3", listener_string<&L::ciphers_tls1_3>},
        {"tls_version", h_tls_version},
        {"require_certificate", listener_bool<&L::require_certificate>},
        {"use_identity_as_username", listener_bool<&L::use_identity_as_username>},
        {"use_subject_as_username", listener_bool<&L::use_subject_as_username>},
        {"http_dir", listener_string<&L::http_dir>},
        {"http_metrics", listener_bool<&L::http_metrics>},
        {"http_metrics_allow", h_http_metrics_allow},
        {"psk_hint", listener_string<&L::psk_hint>},
        {"tls_engine", [](const Ctx& c) { c.refuse("OpenSSL engines are not supported"); }},
        {"tls_engine_kpass_sha1", [](const Ctx& c) { c.refuse("OpenSSL engines are not supported"); }},
        {"tls_keyform",
         [](const Ctx& c) {
             const auto w = c.word();
             if (w != "pem" && w != "engine")
                 c.fail("invalid value '" + std::string(w) + "' (expected pem or engine)");
             c.extra_after(1);
             if (w == "engine") c.refuse("OpenSSL engines are not supported");
         }},
        // Security.
        {"per_listener_settings", h_per_listener_settings},
        {"allow_anonymous", h_allow_anonymous},
        {"allow_zero_length_clientid", h_allow_zero_length_clientid},
        {"auto_id_prefix", security_string<&S::auto_id_prefix>},
        {"password_file", security_string<&S::password_file>},
        {"acl_file", security_string<&S::acl_file>},
        {"auth_scram_file", security_string<&S::auth_scram_file>},
        {"auth_jwt_algorithm", h_jwt_algorithm},
        {"auth_jwt_key_file", security_string<&S::auth_jwt_key_file>},
        {"auth_jwt_audience", security_string<&S::auth_jwt_audience>},
        {"auth_jwt_issuer", security_string<&S::auth_jwt_issuer>},
        {"auth_jwt_username_claim", security_string<&S::auth_jwt_username_claim>},
        {"auth_jwt_publish_claim", security_string<&S::auth_jwt_publish_claim>},
        {"auth_jwt_subscribe_claim", security_string<&S::auth_jwt_subscribe_claim>},
        {"psk_file", security_string<&S::psk_file>},
        {"auth_plugin", h_plugin},
        {"plugin", h_plugin},
        {"auth_plugin_deny_special_chars", h_auth_plugin_deny_special_chars},
        {"check_retain_source", h_check_retain_source},
        // Limits and behaviour.
        {"max_keepalive", global_int<std::uint16_t, &C::max_keepalive, 10, 65535>},
        {"max_packet_size", global_int<std::uint32_t, &C::max_packet_size, 20, kIntMax>},
        {"message_size_limit", global_int<std::uint32_t, &C::message_size_limit, 0, kMaxPayload>},
        {"max_inflight_messages",
         global_int_negative_is_zero<std::uint16_t, &C::max_inflight_messages, 65535>},
        {"max_inflight_bytes", global_int_negative_is_zero<std::uint64_t, &C::max_inflight_bytes, kInt64Max>},
        {"max_queued_messages", global_int_negative_is_zero<std::uint32_t, &C::max_queued_messages, kIntMax>},
        {"max_queued_bytes", global_int_negative_is_zero<std::uint64_t, &C::max_queued_bytes, kInt64Max>},
        {"max_retained_messages",
         global_int_negative_is_zero<std::uint64_t, &C::max_retained_messages, kInt64Max>},
        {"max_retained_bytes", global_int_negative_is_zero<std::uint64_t, &C::max_retained_bytes, kInt64Max>},
        {"memory_limit", global_int<std::uint64_t, &C::memory_limit, 0, kInt64Max>},
        {"sys_interval", global_int<std::uint32_t, &C::sys_interval, 0, 65535>},
        {"persistent_client_expiration", h_persistent_client_expiration},
        {"queue_qos0_messages", global_bool<&C::queue_qos0_messages>},
        {"retain_available", global_bool<&C::retain_available>},
        {"upgrade_outgoing_qos", global_bool<&C::upgrade_outgoing_qos>},
        {"set_tcp_nodelay", global_bool<&C::set_tcp_nodelay>},
        {"clientid_prefixes", global_string<&C::clientid_prefixes>},
        {"allow_duplicate_messages",
         [](const Ctx& c) {
             (void)c.boolean();
             c.meaningless("deprecated in Mosquitto 2.0, which ignores it too");
         }},
        {"retry_interval",
         [](const Ctx& c) { c.meaningless("removed in Mosquitto 2.0, which ignores it too"); }},
        // Logging.
        {"log_dest", h_log_dest},
        {"log_type", h_log_type},
        {"log_facility", h_log_facility},
        {"log_timestamp", global_bool<&C::log_timestamp>},
        {"log_timestamp_format", global_string<&C::log_timestamp_format>},
        {"connection_messages", global_bool<&C::connection_messages>},
        {"websockets_log_level",
         [](const Ctx& c) {
             (void)c.integer(kInt64Min, kInt64Max);
             c.meaningless("a libwebsockets setting; tapmqd's WebSocket code logs with log_type websockets");
         }},
        {"websockets_headers_size", global_int<std::uint32_t, &C::websockets_headers_size, 0, 65535>},
        // Persistence and process.
        {"persistence", global_bool<&C::persistence>},
        {"retained_persistence", global_bool<&C::persistence>},
        {"persistence_file",
         [](const Ctx& c) {
             (void)c.string();
             c.meaningless("tapmqd's store is a directory, tapmqd.store in persistence_location");
         }},
        {"persistence_location", global_string<&C::persistence_location>},
        {"autosave_interval",
         [](const Ctx& c) {
             (void)c.integer_negative_is_zero(kIntMax);
             c.meaningless("tapmqd writes every change through to its store; there is nothing to autosave");
         }},
        {"autosave_on_changes",
         [](const Ctx& c) {
             (void)c.boolean();
             c.meaningless("tapmqd writes every change through to its store; there is nothing to autosave");
         }},
        {"pid_file", global_string<&C::pid_file>},
        {"user", global_string<&C::user>},
        {"include_dir", h_include_dir},
        // tapmq extensions.
        {"worker_threads", global_int<std::uint32_t, &C::worker_threads, 0, 4096>},
        {"max_topic_levels", global_int<std::uint32_t, &C::max_topic_levels, 0, 65535>},
        {"max_topic_length", global_int<std::uint32_t, &C::max_topic_length, 1, 65535>},
        {"max_pending_handshakes", global_int<std::uint32_t, &C::max_pending_handshakes, 0, kIntMax>},
        {"client_write_buffer_limit", global_int<std::uint64_t, &C::client_write_buffer_limit, 0, kInt64Max>},
        {"connect_timeout", global_int<std::uint32_t, &C::connect_timeout, 0, 65535>},
        {"durability", h_durability},
        {"shared_subscription_strategy", h_shared_subscription_strategy},
    };
    return table;
}

// ---- files ----------------------------------------------------------------------------------------

bool read_file(const fs::path& path, std::string& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::generic_category().message(errno);
        return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        error = "read error";
        return false;
    }
    out = std::move(ss).str();
    return true;
}

void Parser::parse_text(std::string_view text, const std::string& file, int level) {
    FileState fs;
    fs.loc.file = file;
    fs.level = level;
    do {
        const auto nl = text.find('\n');
        std::string_view l = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++fs.loc.line;
        while (!l.empty() && l.back() == '\r')
            l.remove_suffix(1);
        line(fs, l);
    } while (!text.empty());
}

void Parser::line(FileState& fs, std::string_view text) {
    const auto t = tokenize(text);
    if (t.name.empty() || t.name.front() == '#') return;
    if (text.find('\0') != std::string_view::npos) {
        throw ConfigError(fs.loc.file, fs.loc.line, "", "line contains a NUL byte");
    }
    Ctx c{*this, fs, t, std::string(t.name)};
    if (t.name.starts_with("auth_opt_") || t.name.starts_with("plugin_opt_")) {
        h_plugin_option(c);
        return;
    }
    if (bridge::BridgeDirectives::handles(t.name)) {
        bridge_line(c);
        return;
    }
    const auto& table = directives();
    const auto it = table.find(t.name);
    if (it == table.end()) c.fail("unknown directive");
    it->second(c);
}

void Parser::bridge_line(const Ctx& c) {
    bridge::DirectiveLine l{c.fs.loc.file, c.fs.loc.line, c.t.name, c.t.args, c.t.rest};
    if (c.t.name == "connection") {
        c.fs.bridge = bridges.begin(l);
        return;
    }
    if (c.fs.bridge < 0) c.fail("only valid in a bridge section (after a 'connection' line)");
    bridges.directive(c.fs.bridge, l, cfg.warnings);
}

// The default remote client id of a bridge is HOSTNAME.NAME, as Mosquitto's.
std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "tapmqd";
    return name;
}

void Parser::include_dir(const Ctx& c, const std::string& dir) {
    std::error_code ec;
    const fs::path d(dir);
    if (!fs::is_directory(d, ec)) c.fail("cannot open directory '" + dir + "'");
    std::vector<std::string> names;
    fs::directory_iterator it(d, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string n = it->path().filename().string();
        if (n.size() > 5 && n.ends_with(".conf")) names.push_back(std::move(n));
    }
    if (ec) c.fail("cannot read directory '" + dir + "': " + ec.message());
    std::sort(names.begin(), names.end(), mosquitto_file_order);
    for (const auto& n : names) {
        const fs::path path = d / n;
        const std::string shown = path.string();
        if (fs::is_directory(path, ec)) c.fail("'" + shown + "' is a directory");
        if (!fs::is_regular_file(path, ec)) c.fail("'" + shown + "' is not a regular file");
        if (!main_file.empty() && fs::equivalent(path, main_file, ec)) {
            c.fail("the directory contains the main configuration file '" + shown + "'");
        }
        std::string text, error;
        if (!read_file(path, text, error)) c.fail("cannot read '" + shown + "': " + error);
        parse_text(text, shown, c.fs.level + 1);
    }
}

bool starts_default_listener(const ListenerDraft& d, bool bind_set, bool port_set) {
    // Mosquitto's list (config__parse_args), without what tapmq refuses (tls_engine, plugins).
    const auto& l = d.cfg;
    const auto& s = d.security.cfg;
    return port_set || bind_set || !l.bind_interface.empty() || !l.cafile.empty() || !l.capath.empty() ||
           !l.psk_hint.empty() || !l.certfile.empty() || !l.keyfile.empty() || !l.ciphers.empty() ||
           !l.ciphers_tls1_3.empty() || !l.dhparamfile.empty() || !l.crlfile.empty() ||
           l.require_certificate || l.use_identity_as_username || l.use_subject_as_username ||
           l.use_username_as_clientid || l.max_connections.has_value() || l.max_qos != 2 ||
           !l.mount_point.empty() || l.protocol != "mqtt" || !l.socket_domain.empty() ||
           !s.password_file.empty() || !s.allow_zero_length_clientid;
}

Config Parser::finish() {
    cfg.bridges = bridges.finish(host_name());

    // The default listener: the legacy port/bind_address one, or Mosquitto 2's local only listener.
    const bool bind_set = default_listener.assigned.contains("bind_address");
    const bool start_default =
        local_only || starts_default_listener(default_listener, bind_set, default_port.has_value());
    if (start_default) {
        ListenerDraft d = std::move(default_listener);
        d.cfg.port = default_port.value_or(1883);
        if (local_only) d.cfg.bind_address = "127.0.0.1";
        d.cfg.file.clear();
        d.cfg.line = 0;
        listeners.push_back(std::move(d));
    } else {
        for (const auto& [name, loc] : default_listener.given) {
            warning(loc, name,
                    " comes before any 'listener' line of its file and so applies to the default listener, "
                    "which is not started (as Mosquitto); ignored");
        }
    }

    cfg.local_only = local_only;
    global_security.cfg.allow_anonymous = global_security.allow_anonymous.value_or(local_only);
    cfg.security = global_security.cfg;
    for (auto& d : listeners) {
        auto& l = d.cfg;
        if (l.protocol != "websockets") {
            // Mosquitto serves http_dir on websockets listeners only and ignores it elsewhere.
            if (const auto it = d.assigned.find("http_dir"); it != d.assigned.end()) {
                cfg.notes.push_back(where(it->second) + ": directive 'http_dir' has no effect: listener " +
                                    std::to_string(l.port) + " is not 'protocol websockets' (as Mosquitto)");
                l.http_dir.clear();
            }
            if (l.http_metrics || !l.http_metrics_allow.empty()) {
                throw ConfigError(
                    l.file, l.line, l.http_metrics ? "http_metrics" : "http_metrics_allow",
                    "listener " + std::to_string(l.port) +
                        " is not 'protocol websockets': /metrics and /healthz are served on "
                        "websockets listeners only (add 'protocol websockets' or move the line)");
            }
        }
        if (l.port == 0) {
            // A unix socket listener carries plain MQTT (Mosquitto's serves neither TLS nor
            // WebSockets there either).
            const char* bad = !l.certfile.empty()         ? "certfile"
                              : !l.psk_hint.empty()       ? "psk_hint"
                              : l.protocol != "mqtt"      ? "protocol"
                              : !l.bind_interface.empty() ? "bind_interface"
                              : !l.socket_domain.empty()  ? "socket_domain"
                                                          : nullptr;
            if (bad != nullptr) {
                const auto it = d.assigned.find(bad);
                const Loc at = it != d.assigned.end() ? it->second : Loc{l.file, l.line};
                throw ConfigError(at.file, at.line, bad,
                                  "listener 0 " + l.unix_socket +
                                      " is a unix socket listener, which serves plain MQTT only");
            }
        }
        if (cfg.per_listener_settings) {
            d.cfg.security = d.security.cfg;
            d.cfg.security.allow_anonymous = d.security.allow_anonymous.value_or(local_only);
        } else {
            d.cfg.security = cfg.security;
        }
        cfg.listeners.push_back(std::move(d.cfg));
    }

    if (log_dest_set) cfg.log_dest = log_dest;
    if (log_type_set) cfg.log_type = log_type;
    return std::move(cfg);
}

}  // namespace

Config load_config(const std::filesystem::path& file, const ParseOptions& options) {
    const std::string shown = file.string();
    std::error_code ec;
    if (fs::is_directory(file, ec)) throw ConfigError(shown, 0, "", "is a directory");
    std::string text, error;
    if (!read_file(file, text, error)) throw ConfigError(shown, 0, "", "cannot open: " + error);
    Parser p(options);
    p.main_file = file;
    p.parse_text(text, shown, 0);
    return p.finish();
}

Config parse_config(std::string_view text, std::string_view name, const ParseOptions& options) {
    Parser p(options);
    p.parse_text(text, std::string(name), 0);
    return p.finish();
}

}  // namespace tapmq::broker
