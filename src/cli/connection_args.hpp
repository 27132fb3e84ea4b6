// Connection options shared by `tapmq pub` and `tapmq sub` (mosquitto_pub/sub spelling).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/options.hpp"

namespace tapmq::cli {

struct ConnectionArgs {
    std::string host = "localhost";
    std::uint16_t port = 1883;
    std::string version = "311";  // 31, 311 or 5 (mqttv31, mqttv311, mqttv5 also accepted)
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
};

// Parses "311", "3.1.1", "mqttv311", "5", "mqttv5", "31"...; nullopt when unknown.
std::optional<mqtt::ProtocolVersion> parse_version(const std::string& s);

// Throws std::invalid_argument on an unknown version or authentication method, or an authentication
// method without MQTT 5, a user name or a password.
client::ConnectOptions to_connect_options(const ConnectionArgs& a, const std::string& default_id_prefix);

}  // namespace tapmq::cli
