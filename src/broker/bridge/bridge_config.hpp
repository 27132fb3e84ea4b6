// One bridge as the configuration describes it: a `connection NAME` section of mosquitto.conf with
// Mosquitto's directives and defaults (docs/config.md, "Bridges"). Plain data; bridge_directives.cpp
// fills it, bridge.cpp runs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topic_map.hpp"

namespace tapmq::broker::bridge {

struct BridgeAddress {
    std::string host;
    std::uint16_t port = 1883;
    bool operator==(const BridgeAddress&) const = default;
};

enum class StartType : std::uint8_t { Automatic, Lazy, Once };

struct BridgeConfig {
    std::string name;
    std::string file;  // where its `connection` line is
    int line = 0;

    std::vector<BridgeAddress> addresses;  // the first is the primary
    bool round_robin = false;  // false: after a failover, go back to the primary when it answers again
    std::vector<BridgeTopic> topics;

    std::uint8_t protocol_version = 4;  // 3 mqttv31 | 4 mqttv311 | 5 mqttv50
    bool cleansession = false;          // the remote session
    bool local_cleansession = false;    // the session on this broker (default: cleansession)
    std::optional<std::uint32_t> session_expiry_interval;  // MQTT 5, the remote session
    std::string remote_clientid;                           // default: HOSTNAME.NAME
    std::string local_clientid;                            // default: local.REMOTE_CLIENTID
    std::optional<std::string> remote_username, remote_password;
    std::optional<std::string> local_username, local_password;
    bool try_private = true;
    bool notifications = true;
    bool notifications_local_only = false;
    std::string notification_topic;  // default: $SYS/broker/connection/REMOTE_CLIENTID/state
    std::uint16_t keepalive_interval = 60;
    std::uint32_t restart_base = 5;  // seconds; with restart_cap == 0 a constant delay
    std::uint32_t restart_cap = 30;  // seconds; back-off with jitter from base up to cap
    StartType start_type = StartType::Automatic;
    std::uint32_t threshold = 10;     // lazy: messages waiting before it connects
    std::uint32_t idle_timeout = 60;  // lazy: seconds without traffic before it disconnects
    bool attempt_unsubscribe = true;
    bool outgoing_retain = true;
    std::uint32_t max_packet_size = 0;  // 0 = none
    std::uint16_t receive_maximum = 0;  // 0 = default (MQTT 5 only)

    // TLS to the remote: on with cafile or capath.
    std::string cafile, capath, certfile, keyfile, tls_version, alpn;
    bool insecure = false;

    bool tls() const noexcept { return !cafile.empty() || !capath.empty(); }
    bool operator==(const BridgeConfig&) const = default;  // SIGHUP restarts a bridge that changed
};

}  // namespace tapmq::broker::bridge
