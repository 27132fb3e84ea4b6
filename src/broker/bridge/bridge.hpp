// One running bridge: the remote connection, the local one into this broker, and the relay of
// packets between them (docs/design.md, "Bridges"). Lives on one worker's io_context: every member
// function but start(), stop() and the counters runs on that worker's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge_config.hpp"
#include "client/backoff.hpp"
#include "client/client.hpp"
#include "client/stream_factory.hpp"
#include "topic_map.hpp"

namespace tapmq::broker {
class Broker;
class Worker;
struct ListenerSettings;
}  // namespace tapmq::broker

namespace tapmq::broker::bridge {

// What $SYS and /metrics show of a bridge (any thread reads, the bridge's worker writes).
struct BridgeCounters {
    std::atomic<std::uint64_t> messages_out{0};  // relayed to the remote broker
    std::atomic<std::uint64_t> bytes_out{0};     // their payload bytes
    std::atomic<std::uint64_t> messages_in{0};   // relayed into this broker
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> dropped{0};    // refused by the other side (too large, not allowed)
    std::atomic<std::uint64_t> connects{0};   // successful connections (both sides up)
    std::atomic<std::uint32_t> waiting{0};    // packets waiting for a window slot or an identifier
    std::atomic<std::uint32_t> connected{0};  // 1 while both connections are up
    std::atomic<std::uint64_t> rtt_us{0};     // last remote acknowledgement round trip, microseconds
};

class Bridge : public std::enable_shared_from_this<Bridge> {
  public:
    // `local_listener` must outlive every session the bridge makes (the broker keeps it for good).
    // Throws std::runtime_error (with the bridge's file and line) when its TLS files cannot be loaded.
    Bridge(Broker& broker, Worker& worker, const ListenerSettings& local_listener, BridgeConfig config);

    // Both post to the bridge's worker.
    void start();
    void stop();

    const BridgeConfig& config() const noexcept { return config_; }
    const BridgeCounters& counters() const noexcept { return counters_; }

  private:
    enum class Side : std::uint8_t { Remote, Local };
    // A packet relayed to one side, waiting for that side's window or identifier.
    struct Relay {
        Side to = Side::Remote;
        bool pubrel = false;  // a PUBREL, not a PUBLISH
        std::uint16_t id = 0;
        bool dup = false;
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;  // as received (the acknowledgement to give)
        bool retain = false;
        std::string topic, payload;
        // MQTT 5 properties carried across, owned.
        std::optional<std::uint8_t> payload_format;
        std::optional<std::uint32_t> expiry;
        std::optional<std::string> content_type, response_topic, correlation_data;
        std::vector<std::pair<std::string, std::string>> user_properties;
        std::chrono::steady_clock::time_point sent_at{};
    };

    void attempt();
    void on_remote_connack(const client::Error& e, const mqtt::Connack* c);
    void connect_local();
    void on_local_connack(const client::Error& e, const mqtt::Connack* c);
    void subscribe_both();
    void on_subscribed();
    void lost(Side side, const std::string& why);
    void schedule_retry();
    // round_robin false: while on a secondary address, try the primary now and then and go back.
    void probe_primary();
    // start_type lazy: once a second, disconnect after idle_timeout without traffic, or (while
    // idle) connect when `threshold` messages wait in the local session.
    void lazy_tick();
    void close_clients();

    void on_publish(Side from, const mqtt::Publish& p);
    void on_pubrel(Side from, std::uint16_t id);
    // Sends what waits, in order, as far as each side takes it.
    void pump();
    enum class Sent : std::uint8_t { Yes, Wait, Dropped };
    Sent send(Relay& r);
    client::Client* side(Side s) const noexcept { return s == Side::Remote ? remote_.get() : local_.get(); }
    static Side other(Side s) noexcept { return s == Side::Remote ? Side::Local : Side::Remote; }
    void set_state(bool up);
    void publish_local_state(bool up);

    Broker& broker_;
    Worker& worker_;
    const ListenerSettings& local_listener_;
    BridgeConfig config_;
    TopicMap map_;
    client::StreamFactory remote_streams_;
    client::Backoff backoff_;
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer probe_timer_;
    boost::asio::steady_timer lazy_timer_;
    std::chrono::steady_clock::time_point last_activity_{};
    bool idle_ = false;        // lazy, disconnected until the threshold is reached
    int subacks_pending_ = 0;  // the bridge is "connected" once both sides' subscriptions are made
    std::shared_ptr<boost::asio::ip::tcp::socket> probe_;
    std::shared_ptr<client::Client> remote_, local_;
    std::size_t address_ = 0;  // index into config_.addresses of the current/next attempt
    bool stopped_ = false;
    bool running_ = false;  // both sides connected: packets are relayed
    bool local_session_present_ = false;
    std::uint64_t generation_ = 0;  // bumped at every restart: late callbacks of old clients are ignored
    std::deque<Relay> waiting_;
    BridgeCounters counters_;
};

}  // namespace tapmq::broker::bridge
