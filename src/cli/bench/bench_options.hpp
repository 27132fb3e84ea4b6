// Everything `tapmq bench` can be told.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/types.hpp"

namespace tapmq::cli::bench {

struct BenchOptions {
    std::string scenario;  // p2p, fanout, fanin, conn
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::string version = "311";
    int qos = 0;
    std::size_t payload = 16;  // bytes, at least kPayloadHeaderSize
    int pubs = -1;             // -1: the scenario's default
    int subs = -1;
    int pairs = -1;
    double rate = 0;           // messages/s per publisher; 0 = as fast as the windows allow
    unsigned inflight = 64;    // per publisher: unacknowledged (QoS > 0) and undelivered messages
    double duration = 10;      // seconds measured
    double warmup = 2;         // seconds published but not measured
    double drain = 10;         // at most this long waiting for messages in flight after publishing stops
    unsigned threads = 1;      // event loops
    std::string shared_group;  // fanin: subscribers share "$share/GROUP/..."
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::uint16_t keep_alive = 60;
    // Publishers and subscribers keep a session for this many seconds after they disconnect (MQTT 5
    // Session Expiry Interval; 3.1.1: clean session 0 whenever it is not 0). 0: clean sessions. A
    // broker with persistence writes what a persistent session receives through to its store.
    std::uint32_t session_expiry = 0;
    std::string topic_prefix = "tapmq-bench";
    unsigned connect_timeout = 30;  // seconds for the whole connection phase
    // conn
    unsigned conns = 1000;
    double conn_rate = 1000;  // new connections per second
    int broker_pid = 0;       // read /proc/PID for the broker's RSS and CPU
    bool quiet = false;       // no live lines
};

mqtt::ProtocolVersion bench_version(const BenchOptions& o);

// Runs the scenario; returns the process exit status.
int run_bench(BenchOptions o);

}  // namespace tapmq::cli::bench
