// The limits every connection and session enforces, resolved from the configuration at start-up
// (and on reload). Plain values, read without locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/types.hpp"

namespace tapmq::broker {

struct BrokerLimits {
    std::uint16_t max_keepalive = 65535;                   // max_keepalive
    std::uint32_t max_packet_size = mqtt::kMaxPacketSize;  // max_packet_size (incoming)
    std::uint32_t message_size_limit = 0;                  // payload bytes, 0 = none
    std::uint16_t max_inflight_messages = 20;              // window per client, both ways
    std::uint32_t max_queued_messages = 1000;
    std::uint64_t max_queued_bytes = 0;
    std::uint64_t max_inflight_bytes = 0;  // outgoing QoS 1/2 payload bytes in flight per client
    bool queue_qos0_messages = false;
    std::uint64_t max_retained_messages = 0;  // 0 = unlimited
    std::uint64_t max_retained_bytes = 0;     // topic + payload bytes; 0 = unlimited
    bool retain_available = true;
    std::string clientid_prefixes;    // only client ids starting with it may connect; empty = any
    bool connection_messages = true;  // log each client's connection and disconnection
    std::optional<std::uint32_t> persistent_client_expiration;  // seconds, for 3.x persistent sessions
    std::uint64_t client_write_buffer_limit = 16u << 20;        // bytes queued in a client's socket buffer
    std::uint32_t max_topic_levels = 128;
    std::uint32_t max_topic_length = 65535;
    std::uint32_t max_pending_handshakes = 4096;
    std::uint32_t connect_timeout_seconds = 10;
    bool set_tcp_nodelay = false;
    std::uint32_t websockets_headers_size = 0;  // WebSocket/HTTP request line + headers; 0 = 8 KiB
};

}  // namespace tapmq::broker
