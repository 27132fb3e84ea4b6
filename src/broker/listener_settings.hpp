// What a connection needs to know about the listener that accepted it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mqtt/types.hpp"
#include "security.hpp"

namespace tapmq::broker {
namespace http {
class HttpService;
}

struct ListenerSettings {
    std::string name;              // "port 1883" etc., for logs
    std::size_t config_index = 0;  // position in Config::listeners
    std::uint16_t port = 1883;
    std::string address;
    PolicySlot security;  // login modes and ACL in force (swapped by SIGHUP)
    std::optional<std::uint32_t> max_connections;
    bool use_identity_as_username = false;  // certificate CN is the username (no password needed)
    bool use_subject_as_username = false;   // certificate subject is the username
    // Mosquitto's per-listener protocol settings (fixed at start: a change needs a restart).
    mqtt::QoS max_qos = mqtt::QoS::ExactlyOnce;
    std::uint16_t max_topic_alias = 10;     // client -> broker aliases
    bool use_username_as_clientid = false;  // the user name replaces the client id
    bool allow_zero_length_clientid = true;
    std::string auto_id_prefix = "auto-";  // of the ids given to clients that sent none
    std::string protocol = "mqtt";         // "mqtt" | "websockets"
    // Mosquitto's mount_point: put before every topic and filter of this listener's clients on the
    // way in, taken off on the way out. Empty for most listeners (then nothing is done).
    std::string mount_point;
    bool tls = false;
    // Served on a websockets listener with http_dir or http_metrics (null otherwise).
    std::shared_ptr<http::HttpService> http;
    mutable std::atomic<std::uint32_t> connections{0};
    mutable std::atomic<std::uint64_t> accepted{0};  // control thread writes, anyone reads
    mutable std::atomic<std::uint64_t> refused{0};
};

}  // namespace tapmq::broker
