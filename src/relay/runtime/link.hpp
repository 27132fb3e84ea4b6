// The MQTT connection of one Tap: connects (client id, user name, will = the offline status), stays
// connected (a fresh attempt after each loss or failure, exponential back-off with jitter), makes its
// subscriptions on every connection, and publishes with MQTT 5 properties (a Response Topic's answer
// carries the request's Correlation Data). Why the Tap does not use client::ReconnectingClient: its
// answers need per-message properties and its datalog decides itself what to send again (a record
// leaves the on-disk queue only on PUBACK), so a lost connection simply drops what was in flight.
//
// Single-threaded: call it from its io_context's thread only; callbacks run there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/backoff.hpp"
#include "client/client.hpp"
#include "client/stream_factory.hpp"

namespace tapmq::relay::runtime {

struct LinkOptions {
    client::ConnectOptions connect;  // host, port, id, credentials, will, session
    client::StreamFactory make_stream;
    client::BackoffOptions backoff;
    std::function<std::shared_ptr<client::EnhancedAuth>()> make_auth;  // per attempt; null = none
    std::vector<std::string> subscriptions;                            // made at QoS 1 on every connection
    std::string name;                                                  // the Tap's serial, for messages
};

class Link : public std::enable_shared_from_this<Link> {
  public:
    using UpHandler = std::function<void()>;
    // An attempt failed or the connection was lost: why (one sentence), and when the next attempt is.
    using DownHandler = std::function<void(const client::Error& e, const std::string& why,
                                           std::chrono::milliseconds retry_in)>;
    using MessageHandler = client::Client::MessageHandler;

    static std::shared_ptr<Link> create(boost::asio::io_context& io, LinkOptions o);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    void on_up(UpHandler h) { on_up_ = std::move(h); }
    void on_down(DownHandler h) { on_down_ = std::move(h); }
    void on_message(MessageHandler h) { on_message_ = std::move(h); }

    void start();
    // Publishes `last` (the clean-exit status: retained, QoS 1) when connected, waits for its PUBACK
    // (at most `wait`), then DISCONNECTs; `done` runs once it is over. No other callback after stop().
    void stop(std::string last_topic, std::string last_payload, std::chrono::milliseconds wait,
              std::function<void()> done);

    // False when not connected (the message is not kept: the caller decides what to send again).
    // `properties`' views need only last for the call.
    bool publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain = false,
                 client::PublishHandler done = {}, const mqtt::Properties* properties = nullptr);

    bool connected() const noexcept { return client_ && client_->connected(); }
    mqtt::ProtocolVersion version() const noexcept { return options_.connect.version; }

  private:
    Link(boost::asio::io_context& io, LinkOptions o);
    void attempt();
    void on_connack(const client::Error& e);
    void lost(const client::Error& e);
    void subscribe();

    boost::asio::io_context& io_;
    LinkOptions options_;
    client::Backoff backoff_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<client::Client> client_;
    UpHandler on_up_;
    DownHandler on_down_;
    MessageHandler on_message_;
    bool stopped_ = false;
    bool ever_up_ = false;
};

// "the broker refused IoTzPr0041: 0x86 bad user name or password", "cannot reach 127.0.0.1:1883:
// Connection refused"...: what a failed attempt means, for the log.
std::string describe_failure(const client::Error& e, const std::string& name,
                             const client::ConnectOptions& o);

}  // namespace tapmq::relay::runtime
