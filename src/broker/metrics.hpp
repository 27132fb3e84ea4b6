// One reading of the broker's counters: what $SYS publishes (sys_topics.cpp) and what GET /metrics
// renders (http/prometheus.cpp) come from this one struct, as Mosquitto's metrics table and NATS's
// Varz do. Taking it reads atomics and takes each structure's own lock for a moment (retained
// totals, the store's counters); formatting it takes no lock at all.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapmq::broker {

class Broker;

// Cumulative histogram in Prometheus's shape: counts[i] observations <= bounds[i]; count is all.
struct HistogramSnapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;
    std::uint64_t count = 0;
    double sum = 0;
};

struct ListenerMetrics {
    std::string name;  // "port 1883"
    std::uint16_t port = 0;
    std::string address;   // bind address; empty = every interface
    std::string protocol;  // "mqtt" | "websockets"
    bool tls = false;
    std::uint64_t connections = 0;  // open now (MQTT clients, and HTTP clients on websockets listeners)
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;                      // max_connections, max_pending_handshakes, shutting down
    bool http = false;                              // serves HTTP (http_dir or http_metrics)
    std::array<std::uint64_t, 5> http_responses{};  // by status class: [0] 1xx ... [4] 5xx
};

// A bridge (bridge/bridge.hpp, BridgeCounters).
struct BridgeMetrics {
    std::string name;
    std::string remote_clientid;
    bool connected = false;
    std::uint64_t messages_out = 0, bytes_out = 0;  // relayed to the remote broker
    std::uint64_t messages_in = 0, bytes_in = 0;    // relayed into this broker
    std::uint64_t dropped = 0;                      // refused by the other broker (too large...)
    std::uint64_t waiting = 0;                      // packets waiting for the other side's window
    std::uint64_t connects = 0;                     // connections made (both sides up)
    double rtt_seconds = 0;  // last round trip of a message to the remote and its acknowledgement
};

struct StoreMetrics {
    std::uint64_t batches = 0, writes = 0, syncs = 0, bytes = 0, cancelled = 0, ranges = 0;
    HistogramSnapshot sync_seconds;  // latency of synced writes (durability fsync)
};

struct MetricsSnapshot {
    std::string version;
    std::int64_t uptime_seconds = 0;
    std::uint64_t clients_connected = 0;
    std::uint64_t clients_total = 0;  // sessions: connected + disconnected persistent
    std::uint64_t clients_maximum = 0;
    std::uint64_t clients_expired = 0;
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_refused = 0;
    std::uint64_t messages_received = 0;  // MQTT packets of every type
    std::uint64_t messages_sent = 0;
    std::uint64_t publish_received = 0;
    std::uint64_t publish_sent = 0;
    std::uint64_t publish_dropped = 0;
    std::uint64_t messages_queued = 0;  // waiting in session queues
    std::array<std::uint64_t, 3> publish_received_by_qos{};
    std::array<std::uint64_t, 3> publish_sent_by_qos{};
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t subscriptions = 0;
    std::uint64_t retained_messages = 0;
    std::uint64_t retained_bytes = 0;
    std::uint64_t retained_dropped = 0;
    std::optional<StoreMetrics> store;  // persistence true
    std::vector<ListenerMetrics> listeners;
    std::vector<BridgeMetrics> bridges;
};

// Safe from any thread.
MetricsSnapshot take_metrics_snapshot(Broker& broker);

}  // namespace tapmq::broker
