// The broker configuration: Mosquitto 2.0's mosquitto.conf format, read unchanged, plus a few
// tapmq extensions in the same style. See docs/config.md for every directive.
//
// Pure code: it reads the configuration files (and the *.conf files of include_dir), nothing else;
// no sockets, no logging. Every Mosquitto directive is implemented with Mosquitto's meaning or
// refused: what tapmqd does not do is a ConfigError naming the file, the line, the directive and
// why, like anything else wrong. Directives that mean nothing to tapmqd are accepted and listed in
// Config::notes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "broker/bridge/bridge_config.hpp"

namespace tapmq::broker {

// Authentication and access control: global, or per listener with per_listener_settings true.
struct SecurityConfig {
    bool allow_anonymous = false;  // resolved: Mosquitto 2 rules, see Config::local_only
    std::string password_file;     // empty = none
    std::string acl_file;          // empty = none
    // tapmq extension: SCRAM-SHA-256 credentials (RFC 5803 lines) for MQTT 5 enhanced
    // authentication; empty = the method is not offered.
    std::string auth_scram_file;
    bool allow_zero_length_clientid = true;
    std::string auto_id_prefix = "auto-";
    std::string psk_file;  // TLS-PSK identities and keys (identity:hexkey lines); empty = none
    // tapmq extension: a JWT in the password field ("token" login mode). Enabled by
    // auth_jwt_algorithm + auth_jwt_key_file.
    std::string auth_jwt_algorithm;                 // HS256 | RS256 | ES256; empty = no JWT login
    std::string auth_jwt_key_file;                  // HS256: shared secret; RS256/ES256: PEM public key
    std::string auth_jwt_audience;                  // empty = not checked
    std::string auth_jwt_issuer;                    // empty = not checked
    std::string auth_jwt_username_claim = "sub";    // the user name ACLs see
    std::string auth_jwt_publish_claim = "pub";     // topics the token may publish to (optional claim)
    std::string auth_jwt_subscribe_claim = "subs";  // filters the token may subscribe to (optional claim)
};

struct ListenerConfig {
    std::uint16_t port = 1883;                     // 0: a unix socket listener (unix_socket)
    std::string bind_address;                      // empty = all interfaces
    std::string unix_socket;                       // listener 0 PATH: the socket file's path
    std::string bind_interface;                    // SO_BINDTODEVICE; empty = none
    std::string protocol = "mqtt";                 // "mqtt" | "websockets"
    std::string socket_domain;                     // empty = IPv4 and IPv6 | "ipv4" | "ipv6"
    std::optional<std::uint32_t> max_connections;  // nullopt = unlimited
    std::string mount_point;                       // empty = none
    std::uint8_t max_qos = 2;
    std::uint16_t max_topic_alias = 10;
    bool use_username_as_clientid = false;

    // HTTP on a websockets listener (see docs/config.md, "HTTP"): static files (as Mosquitto's
    // http_dir) and the tapmq extensions /metrics and /healthz, served to the peers in
    // http_metrics_allow (CIDR ranges; empty = loopback only).
    std::string http_dir;  // empty = no static files
    bool http_metrics = false;
    std::vector<std::string> http_metrics_allow;

    // Certificate based TLS (enabled when certfile is set).
    std::string cafile, capath, certfile, keyfile, crlfile, dhparamfile;
    std::string tls_version;  // empty = TLS 1.2 and 1.3 | "tlsv1.1" | "tlsv1.2" | "tlsv1.3" (minimum)
    std::string ciphers, ciphers_tls1_3;
    bool require_certificate = false;
    bool use_identity_as_username = false;
    bool use_subject_as_username = false;
    // TLS-PSK (enabled when psk_hint is set): the hint sent to clients; the keys are the listener's
    // security.psk_file. With certfile too, both kinds of handshake are offered.
    std::string psk_hint;

    // The security settings in force on this listener: the listener's own ones with
    // per_listener_settings true, a copy of Config::security otherwise.
    SecurityConfig security;

    // Where the listener was declared ("listener" line); line 0 for the implicit default listener.
    std::string file;
    int line = 0;

    bool tls() const noexcept { return !certfile.empty() || !psk_hint.empty(); }
};

struct Config {
    // After parsing never empty: with no listener, port or bind_address anywhere (Mosquitto 2's
    // "local only mode", local_only true) one listener on 127.0.0.1:1883 allowing anonymous clients.
    std::vector<ListenerConfig> listeners;
    bool local_only = false;

    bool per_listener_settings = false;
    SecurityConfig security;  // the global security settings (what listeners use unless per listener)
    bool check_retain_source = false;

    // Limits and protocol behaviour (as Mosquitto).
    std::uint16_t max_keepalive = 65535;
    std::uint32_t max_packet_size = 0;         // 0 = unlimited
    std::uint32_t message_size_limit = 0;      // payload bytes, 0 = unlimited
    std::uint16_t max_inflight_messages = 20;  // 0 = unlimited
    std::uint32_t max_queued_messages = 1000;  // 0 = unlimited
    std::uint64_t max_queued_bytes = 0;        // 0 = unlimited
    std::uint64_t max_inflight_bytes = 0;      // outgoing QoS 1/2 payload bytes in flight; 0 = unlimited
    std::uint64_t max_retained_messages = 0;   // retained messages in all; 0 = unlimited
    std::uint64_t max_retained_bytes = 0;      // their topic + payload bytes in all; 0 = unlimited
    bool queue_qos0_messages = false;
    bool retain_available = true;
    bool upgrade_outgoing_qos = false;
    std::optional<std::uint64_t> persistent_client_expiration;  // seconds; nullopt = never
    std::string clientid_prefixes;                              // empty = any client id
    bool set_tcp_nodelay = false;
    std::uint32_t sys_interval = 10;            // seconds, 0 = no $SYS
    std::uint64_t memory_limit = 0;             // heap bytes past which PUBLISHes are refused; 0 = none
    std::uint32_t websockets_headers_size = 0;  // WebSocket/HTTP request line + headers; 0 = 8 KiB

    // Logging.
    std::vector<std::string> log_dest{"stderr"};  // stdout stderr syslog topic file dlt; empty = none
    std::string log_file;                         // with "file" in log_dest
    std::vector<std::string> log_type{"error", "warning", "notice", "information"};
    std::optional<int> log_facility;  // syslog local0..local7; nullopt = daemon
    bool log_timestamp = true;
    std::string log_timestamp_format;  // strftime format; empty = seconds since the epoch
    bool connection_messages = true;

    // Persistence and process.
    bool persistence = false;
    std::string persistence_location;
    std::string pid_file;
    std::string user;  // empty = not set (Mosquitto drops to "mosquitto" when started as root)

    // tapmq extensions.
    std::uint32_t worker_threads = 0;                     // 0 = one per core
    std::uint32_t max_topic_levels = 128;                 // 0 = unlimited
    std::uint32_t max_topic_length = 65535;               // bytes, 1..65535
    std::uint32_t max_pending_handshakes = 4096;          // 0 = unlimited
    std::uint64_t client_write_buffer_limit = 16u << 20;  // bytes, 0 = unlimited
    std::uint32_t connect_timeout = 10;                   // seconds, 0 = none
    // How a shared group picks a member: "round_robin" (in turn, skipping members with a backlog
    // while others have none) or "local" (prefer a member on the publisher's thread while its
    // queue is short: faster, but one publisher's messages mostly go to one member).
    std::string shared_subscription_strategy = "round_robin";
    std::string durability = "fsync";  // "fsync" (survives a power cut) | "os" (a crash)

    // Bridges (`connection` sections), in file order: see docs/config.md, "Bridges".
    std::vector<bridge::BridgeConfig> bridges;

    // "FILE:LINE: directive 'NAME' ..." for what was accepted with a caveat, in file order.
    std::vector<std::string> warnings;
    // "FILE:LINE: directive 'NAME' has no effect: WHY" for directives that mean nothing to tapmqd
    // (autosave_interval with a write-through store...), logged at info level.
    std::vector<std::string> notes;
};

// what(): "FILE:LINE: directive 'NAME': MESSAGE" ("FILE: MESSAGE" when there is no line).
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, int line, std::string directive, std::string message);

    std::string file;
    int line = 0;  // 1-based; 0 = not about a line (file cannot be read)
    std::string directive;
    std::string message;
};

struct ParseOptions {
    // false: include_dir is checked for its argument and otherwise ignored with a warning
    // (fuzzing must not read the file system).
    bool follow_include_dir = true;
};

// Parses a file and what it includes. Throws ConfigError on any error.
Config load_config(const std::filesystem::path& file, const ParseOptions& options = {});

// Parses text as if it were the file `name`; include_dir is resolved relative to the working directory
// (as Mosquitto does for files too).
Config parse_config(std::string_view text, std::string_view name = "<string>",
                    const ParseOptions& options = {});

}  // namespace tapmq::broker
