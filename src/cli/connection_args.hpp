// Connection options shared by every `tapmq` subcommand that talks to a broker (mosquitto_pub/sub
// spelling and meaning), and the one place that turns them into a connection: resolve_connection()
// (CONNECT options, transport, the topic of -L), make_stream() (the byte streams: TCP, TLS,
// WebSocket).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/client.hpp"
#include "client/options.hpp"
#include "client/reconnecting_client.hpp"
#include "client/stream_factory.hpp"

namespace tapmq::cli {

struct ConnectionArgs {
    std::string host = "localhost";
    std::optional<std::uint16_t> port;  // default 1883; 8883 with TLS; 80/443 with --ws
    std::optional<std::string> url;     // -L mqtt(s)|ws(s)://[user[:pass]@]host[:port]/topic-or-path
    std::string version = "311";        // 31, 311 or 5 (mqttv31, mqttv311, mqttv5 also accepted)
    std::string client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string auth_method;  // MQTT 5 enhanced authentication: "SCRAM-SHA-256" with -u/-P; empty = none
    std::uint16_t keep_alive = 60;
    bool no_clean = false;  // -c: keep the session
    std::optional<std::uint32_t> session_expiry;
    std::string will_topic;
    std::string will_payload;
    int will_qos = 0;
    bool will_retain = false;
    unsigned connect_timeout = 10;  // seconds

    // TLS (on with any of these, with port 8883, or with -L mqtts:// / wss://)
    std::string cafile;
    std::string capath;
    std::string cert;
    std::string key;
    bool tls_use_os_certs = false;
    bool insecure = false;    // skip the check of the broker's certificate name
    std::string tls_version;  // minimum: tlsv1.3, tlsv1.2 (default), tlsv1.1
    std::string tls_alpn;

    // MQTT over WebSocket (or a ws:// / wss:// URL)
    bool ws = false;
    std::optional<std::string> ws_path;  // default /mqtt

    // Staying connected (sub, pub): reconnect with back-off after a lost connection
    bool reconnect = false;
    double reconnect_delay = 0.5;     // seconds: the first retry waits up to this, doubling...
    double reconnect_delay_max = 30;  // ...up to this
    std::size_t max_queued = 10'000;  // QoS 1/2 messages held while disconnected
};

// Everything a subcommand needs to connect, resolved from ConnectionArgs.
struct ResolvedConnection {
    client::ConnectOptions options;      // what CONNECT says, and host/port
    client::TransportOptions transport;  // TCP, TLS, WebSocket
    std::string url_topic;               // the topic of -L mqtt://host/topic; empty when none
    std::string where;                   // "mqtts://host:8883" for messages
    // MQTT 5 enhanced authentication: a fresh exchange per connection attempt (null = none)
    std::function<std::shared_ptr<client::EnhancedAuth>()> make_auth;
};

// Parses "311", "3.1.1", "mqttv311", "5", "mqttv5", "31"...; nullopt when unknown.
std::optional<mqtt::ProtocolVersion> parse_version(const std::string& s);

// Applies -L, the TLS and WebSocket options and the port defaults. Throws std::invalid_argument (a
// usage error, with the sentence for the user) on an unknown version or authentication method, an
// authentication method without MQTT 5, a user name or a password, a bad URL, or options that
// contradict each other (-L with -h/-p, TLS options on mqtt://...).
ResolvedConnection resolve_connection(const ConnectionArgs& a, const std::string& default_id_prefix);

// resolve_connection(a, prefix).options
client::ConnectOptions to_connect_options(const ConnectionArgs& a, const std::string& default_id_prefix);

// The stream factory for the resolved transport; loads the TLS files now. Throws client::TlsConfigError
// (a file that cannot be read, a key that does not match its certificate).
client::StreamFactory make_stream(const ResolvedConnection& c);

// The reconnection settings of the command line (back-off, queue bound, enhanced authentication).
client::ReconnectOptions to_reconnect_options(const ConnectionArgs& a, const ResolvedConnection& c);

}  // namespace tapmq::cli
