// A client for long-running programs (the Tap relay, watchers, bridges): it stays connected. On a
// lost connection or a failed attempt it tries again after an exponential back-off with jitter
// (backoff.hpp); each attempt is a fresh Client over a fresh stream from the StreamFactory.
//
// The session is kept across connections, as MQTT means it to be:
// - The first attempt uses ConnectOptions::clean_start as given; once a connection has succeeded,
//   later attempts resume the session (clean start off) when it can outlive a connection: MQTT 5
//   with a Session Expiry Interval (ReconnectOptions::session_expiry is asked for when the options
//   set none), or MQTT 3.x with clean session off (-c). Otherwise each connection is a new session.
// - QoS 1/2 PUBLISHes are held until acknowledged (bounded by max_queued; publish() refuses beyond),
//   including those published while disconnected. After a reconnection that found the session
//   (session present), those in flight are re-sent with their original packet identifiers and DUP
//   set, or their PUBREL once PUBREC had arrived (MQTT 5 4.4, 3.1.1 4.4); then the rest. When the
//   broker lost the session, unacknowledged ones go again as new messages (a QoS 2 message whose
//   PUBREC had arrived was accepted by the broker and completes).
// - Subscriptions are remembered and made again whenever the broker has no session (session present
//   0); incoming QoS 2 exchanges in progress carry over, so a re-sent message is not delivered twice.
//
// Single-threaded like Client: call it only from its io_context's thread; callbacks run there.
// Create with ReconnectingClient::create(), then start(); stop() ends it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backoff.hpp"
#include "client.hpp"
#include "stream_factory.hpp"

namespace tapmq::client {

struct ReconnectOptions {
    BackoffOptions backoff;               // delays between attempts: 0.25-0.5 s, 0.5-1 s... up to 15-30 s
    std::size_t max_queued = 10'000;      // QoS 1/2 messages held (unacknowledged or waiting) at most
    std::uint32_t session_expiry = 3600;  // MQTT 5: seconds the broker keeps the session between
                                          // connections when ConnectOptions sets no expiry (0 = none)
    // MQTT 5 enhanced authentication: a fresh exchange for every attempt (ConnectOptions::auth is good
    // for one connect()); null = ConnectOptions::auth on the first attempt only.
    std::function<std::shared_ptr<EnhancedAuth>()> make_auth;
};

class ReconnectingClient : public std::enable_shared_from_this<ReconnectingClient> {
  public:
    using ConnectedHandler = std::function<void(bool session_present)>;
    // A connection ended or an attempt failed (`e` says why); the next attempt is in `retry_in`.
    using DisconnectedHandler = std::function<void(const Error& e, std::chrono::milliseconds retry_in)>;
    using MessageHandler = Client::MessageHandler;

    // `o`'s views (MQTT 5 properties) must outlive the ReconnectingClient: every attempt sends them.
    static std::shared_ptr<ReconnectingClient> create(boost::asio::io_context& io, ConnectOptions o,
                                                      StreamFactory make_stream, ReconnectOptions r = {});
    ~ReconnectingClient();
    ReconnectingClient(const ReconnectingClient&) = delete;
    ReconnectingClient& operator=(const ReconnectingClient&) = delete;

    void on_connected(ConnectedHandler h) { on_connected_ = std::move(h); }
    void on_disconnected(DisconnectedHandler h) { on_disconnected_ = std::move(h); }
    void on_message(MessageHandler h) { on_message_ = std::move(h); }

    // The first attempt, now.
    void start();
    // No more attempts; DISCONNECT if connected (the session stays on the broker for its expiry).
    // Messages not yet acknowledged complete with Error::Kind::Closed. No callback runs after it.
    void stop();

    // QoS 1/2: held until acknowledged, sent now or once connected; `done` runs on PUBACK/PUBCOMP
    // (success, or the broker's refusal), or with Kind::Closed at stop(). QoS 0: sent only while
    // connected. False (and `done` never called) when max_queued messages are held, when QoS 0 finds
    // no connection, or the topic is not a valid topic name.
    bool publish(std::string topic, std::string payload, mqtt::QoS qos, bool retain = false,
                 PublishHandler done = {});

    // Remembered and made on every connection whose session the broker does not have. `done` runs with
    // each SUBACK for it (or not at all while disconnected). False when the filter is invalid.
    bool subscribe(std::string filter, mqtt::SubscriptionOptions options, SubscribeHandler done = {});
    // Forgets the subscription (no longer made on new sessions) and sends UNSUBSCRIBE when connected;
    // `done` gets the UNSUBACK (not called while disconnected). False when it was not subscribed.
    bool unsubscribe(const std::string& filter, UnsubscribeHandler done = {});

    bool connected() const noexcept { return client_ && client_->connected(); }
    bool ever_connected() const noexcept { return ever_connected_; }
    // QoS 1/2 messages held: in flight or waiting.
    std::size_t pending() const noexcept { return out_.size(); }
    // The current connection (null between attempts). Use it to read server(), not to publish.
    const Client* client() const noexcept { return client_.get(); }

  private:
    struct Outgoing {
        std::string topic;
        std::string payload;
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
        bool retain = false;
        std::uint16_t id = 0;   // packet identifier once it entered the window; 0 while waiting
        bool sent = false;      // went out under `id` on some connection: a re-send carries DUP
        bool on_wire = false;   // sent on the current connection, awaiting its acknowledgement
        bool released = false;  // QoS 2: PUBREC arrived; PUBREL is what a re-send sends
        PublishHandler done;
    };
    struct Subscription {
        std::string filter;
        mqtt::SubscriptionOptions options;
        bool acknowledged = false;  // SUBACK on the current session
        SubscribeHandler done;
    };

    ReconnectingClient(boost::asio::io_context& io, ConnectOptions o, StreamFactory make_stream,
                       ReconnectOptions r);

    void attempt();
    void on_connack(const Error& e, const mqtt::Connack* c);
    void on_lost(const Error& e);
    void schedule_retry(const Error& e);
    void pump();
    void on_acknowledged(std::uint64_t seq, const Error& e);
    void on_pubrec(std::uint16_t packet_id);
    void send_subscription(Subscription& s);
    std::uint16_t take_id();
    bool session_can_outlive_connection() const noexcept;

    boost::asio::io_context& io_;
    ConnectOptions options_;
    StreamFactory make_stream_;
    ReconnectOptions reconnect_;
    Backoff backoff_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<Client> client_;
    ConnectedHandler on_connected_;
    DisconnectedHandler on_disconnected_;
    MessageHandler on_message_;
    bool started_ = false;
    bool stopped_ = false;
    bool ever_connected_ = false;
    std::vector<std::uint16_t> incoming_qos2_;  // carried from one connection to the next

    std::map<std::uint64_t, Outgoing> out_;  // by sequence: publish order
    std::unordered_map<std::uint16_t, std::uint64_t> by_id_;
    std::vector<bool> id_used_;
    std::uint16_t next_id_ = 1;
    std::uint64_t next_seq_ = 0;
    std::uint64_t cursor_ = 0;  // every message before this sequence is on the wire (or done)
    std::size_t on_wire_ = 0;
    std::vector<Subscription> subscriptions_;
};

}  // namespace tapmq::client
