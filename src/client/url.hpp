// Broker URLs, as mosquitto_pub/sub's -L defines them, extended with WebSocket schemes:
//
//   mqtt://[user[:password]@]host[:port]/topic     plain TCP, port 1883
//   mqtts://[user[:password]@]host[:port]/topic    TLS, port 8883
//   ws://[user[:password]@]host[:port][/path]      MQTT over WebSocket, port 80, path /mqtt
//   wss://[user[:password]@]host[:port][/path]     MQTT over WebSocket over TLS, port 443, path /mqtt
//
// For mqtt and mqtts everything after the host's '/' is the topic, taken as is (as mosquitto does:
// `mqtt://host/a/#` is the filter a/#). For ws and wss the path is the HTTP path of the WebSocket
// upgrade (what brokers' documentation gives: ws://broker:8083/mqtt), and the topic comes from -t.
// ws/wss default to the ports every WebSocket URL has (RFC 6455), since MQTT has none of its own.
// `tcp://` and `ssl://`/`tls://` (Paho's spellings) mean mqtt and mqtts. The scheme is case-insensitive;
// user name and password are percent-decoded (so they can hold '@', ':' or '/'); an IPv6 host is
// written in brackets. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapmq::client {

enum class Transport : unsigned char { Tcp, Tls, Ws, Wss };

constexpr bool uses_tls(Transport t) noexcept {
    return t == Transport::Tls || t == Transport::Wss;
}
constexpr bool uses_websocket(Transport t) noexcept {
    return t == Transport::Ws || t == Transport::Wss;
}
// "mqtt", "mqtts", "ws", "wss".
const char* scheme_name(Transport t) noexcept;
// 1883, 8883, 80, 443.
std::uint16_t default_port(Transport t) noexcept;

inline constexpr std::string_view kDefaultWebSocketPath = "/mqtt";

struct Url {
    Transport transport = Transport::Tcp;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string host;  // without brackets for IPv6
    std::uint16_t port = 1883;
    bool port_given = false;
    std::string topic;    // mqtt/mqtts: the path after the first '/', empty when none
    std::string ws_path;  // ws/wss: the request target, "/mqtt" when the URL has no path
};

struct UrlError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Throws UrlError with a sentence naming what is wrong.
Url parse_url(std::string_view text);

}  // namespace tapmq::client
