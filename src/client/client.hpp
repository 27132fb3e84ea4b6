// An asynchronous MQTT 3.1.1 / 5.0 client on one Boost.Asio io_context. Every byte goes through the
// codec (src/mqtt). Single-threaded: call it only from its io_context's thread; every callback runs
// there too.
//
// I/O: one read buffer, every complete packet in it decoded per read; writes are coalesced: packets
// are appended to an output buffer and one async_write is in flight at a time. A flush happens at
// the end of each read handler, or once per handler round (a post) for calls made from elsewhere.
//
// Lifetime: create with Client::create(). While it has I/O pending (that is, while connected) the
// client keeps itself alive, so dropping the last shared_ptr does not cut the connection: call
// disconnect() or close(). Handlers are never called after close() returns, except the close
// handler, which close() itself calls synchronously.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include "util/asio.hpp"

#include "error.hpp"
#include "inflight_window.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/packets.hpp"
#include "options.hpp"
#include "request_table.hpp"
#include "stream.hpp"

namespace tapmq::client {

class Client : public std::enable_shared_from_this<Client> {
  public:
    // `connack` is null when the attempt failed before a CONNACK arrived.
    using ConnectHandler = std::function<void(const Error&, const mqtt::Connack* connack)>;
    // The packet's views point into the read buffer: valid only during the call.
    using MessageHandler = std::function<void(const mqtt::Publish&)>;
    // The connection ended: Error::success() after disconnect(), the cause otherwise.
    using CloseHandler = std::function<void(const Error&)>;

    static std::shared_ptr<Client> create(boost::asio::io_context& io);
    // With a custom stream (TLS...); it must belong to `io`.
    static std::shared_ptr<Client> create(boost::asio::io_context& io, std::unique_ptr<Stream> stream);

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client();

    void on_message(MessageHandler h) { on_message_ = std::move(h); }
    void on_close(CloseHandler h) { on_close_ = std::move(h); }

    // Resolves, connects and sends CONNECT; `done` runs once, on CONNACK or on failure (a refused
    // CONNACK gives Error::Kind::Refused with its reason and a non-null connack).
    void connect(const ConnectOptions& o, ConnectHandler done);

    // Sends a PUBLISH. QoS 0: `done` is never called (the message is on its way); QoS 1/2 take a slot of
    // the inflight window (the broker's Receive Maximum) and complete on PUBACK/PUBCOMP, or wait in a
    // queue while the window is full. Returns false (and never calls `done`) when not connected, the
    // topic is not a valid topic name, the QoS exceeds the broker's maximum, retain is not available,
    // or the packet exceeds the broker's maximum packet size.
    bool publish(std::string_view topic, std::string_view payload, mqtt::QoS qos, bool retain = false,
                 PublishHandler done = {}, const mqtt::Properties* properties = nullptr);

    // Returns false when not connected or a filter is invalid; `done` gets the SUBACK/UNSUBACK.
    bool subscribe(std::span<const mqtt::TopicSubscription> topics, SubscribeHandler done,
                   const mqtt::Properties* properties = nullptr);
    bool subscribe(std::string_view filter, mqtt::QoS qos, SubscribeHandler done);
    bool unsubscribe(std::span<const std::string_view> filters, UnsubscribeHandler done,
                     const mqtt::Properties* properties = nullptr);

    // Sends DISCONNECT after everything already encoded; nothing is received or sent after it. The
    // close handler gets success once the broker has closed (at most 5 s later).
    void disconnect(mqtt::ReasonCode reason = mqtt::ReasonCode::Success,
                    const mqtt::Properties* properties = nullptr);
    // Drops the connection now (no DISCONNECT: the broker publishes the will).
    void close();

    // ---- For a layer that keeps the session across connections (ReconnectingClient) ----
    // PUBLISH under a packet identifier the caller chose (1..InflightWindow::kMaxCapacity), with DUP
    // when it is a re-send after a reconnection. QoS 1/2 only; false (and `done` never called) when
    // Client::publish would refuse, the identifier is in use or the window is full. Do not mix with
    // publish() at QoS 1/2 on one client: publish() picks identifiers itself.
    bool publish_with_id(std::uint16_t packet_id, bool dup, std::string_view topic, std::string_view payload,
                         mqtt::QoS qos, bool retain, PublishHandler done,
                         const mqtt::Properties* properties = nullptr);
    // Re-sends the PUBREL of a QoS 2 PUBLISH whose PUBREC arrived on an earlier connection; `done`
    // runs on PUBCOMP.
    bool resend_pubrel(std::uint16_t packet_id, PublishHandler done);
    // Called with the packet identifier when a QoS 2 PUBLISH's PUBREC (success) arrives: from then
    // on, PUBREL and not the PUBLISH is what a reconnection re-sends.
    void on_pubrec_received(std::function<void(std::uint16_t)> h) { on_pubrec_received_ = std::move(h); }
    // ---- Manual acknowledgement (ConnectOptions::manual_acks) ----
    // Answers an incoming PUBLISH: PUBACK (QoS 1) or PUBREC (QoS 2) with `reason`. False when not
    // connected (the broker sends the message again on the next connection of the session).
    bool acknowledge(std::uint16_t packet_id, mqtt::QoS qos,
                     mqtt::ReasonCode reason = mqtt::ReasonCode::Success);
    // An incoming PUBREL, to be answered by complete_incoming() (PUBCOMP).
    void on_pubrel(std::function<void(std::uint16_t)> h) { on_pubrel_ = std::move(h); }
    bool complete_incoming(std::uint16_t packet_id, mqtt::ReasonCode reason = mqtt::ReasonCode::Success);
    // Whether publish_with_id()/resend_pubrel() can take this identifier now (not in flight, not
    // awaiting a SUBACK/UNSUBACK, the window not full).
    bool can_send_with_id(std::uint16_t packet_id) const noexcept {
        return !window_.full() && !window_.in_use(packet_id) && !requests_.contains(packet_id);
    }

    // Packet identifiers of incoming QoS 2 messages delivered and awaiting PUBREL, to hand to the
    // next connection of the same session (restore before connect(), so that the broker's re-sent
    // PUBLISH is not delivered twice). A CONNACK without a session clears them.
    std::vector<std::uint16_t> incoming_qos2_ids() const;
    void restore_incoming_qos2(const std::vector<std::uint16_t>& ids);
    // Most QoS 1/2 PUBLISHes in flight at once on this connection (known after CONNACK).
    std::uint16_t window_capacity() const noexcept { return window_.capacity(); }

    bool connected() const noexcept { return state_ == State::Connected; }
    bool closed() const noexcept { return state_ == State::Closed; }
    mqtt::ProtocolVersion version() const noexcept { return version_; }
    const ServerInfo& server() const noexcept { return server_; }
    // QoS 1/2 PUBLISHes awaiting an acknowledgement, and those waiting for a window slot.
    std::size_t inflight() const noexcept { return window_.size(); }
    std::size_t queued() const noexcept { return queue_.size(); }
    // Bytes encoded but not yet handed to the stream.
    std::size_t pending_output() const noexcept { return out_.size(); }

  private:
    enum class State : unsigned char { Idle, Connecting, AwaitConnack, Connected, Disconnecting, Closed };

    struct Queued {  // a QoS 1/2 PUBLISH waiting for a window slot, encoded with packet id 0
        std::string bytes;
        std::size_t packet_id_offset = 0;
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
        PublishHandler done;
    };

    Client(boost::asio::io_context& io, std::unique_ptr<Stream> stream);

    // Pending asynchronous operations keep the client alive (self_). op_done() hands the reference
    // to the handler when the last one finishes, so the object outlives the handler's body.
    void op_started();
    std::shared_ptr<Client> op_done();

    // client.cpp: connection and I/O
    void start_connect(std::vector<boost::asio::ip::tcp::endpoint> endpoints);
    void on_stream_connected(const boost::system::error_code& ec);
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    void process_input();
    void send(const mqtt::Packet& p);
    void request_flush();
    void flush();
    void on_written(const boost::system::error_code& ec);
    void arm_timer(std::chrono::milliseconds after);
    void on_timer();
    void fail(Error e);

    // client_handlers.cpp: what arrives
    void handle(mqtt::Packet& p);
    void on_connack(const mqtt::Connack& c);
    void on_publish(const mqtt::Publish& p);
    void on_puback(const mqtt::Puback& p);
    void on_pubrec(const mqtt::Pubrec& p);
    void on_pubrel(const mqtt::Pubrel& p);
    void on_pubcomp(const mqtt::Pubcomp& p);
    void on_suback(const mqtt::Suback& s);
    void on_unsuback(const mqtt::Unsuback& u);
    void on_disconnect(const mqtt::Disconnect& d);
    void on_auth(const mqtt::Auth& a);
    void protocol_violation(mqtt::ReasonCode rc, const std::string& what);

    // client_publish.cpp: the outgoing window
    bool publish_allowed(mqtt::QoS qos, bool retain) const noexcept;
    void encode_publish(std::string& out, std::string_view topic, std::string_view payload, mqtt::QoS qos,
                        bool retain, std::uint16_t packet_id, const mqtt::Properties* properties,
                        bool dup = false);
    void complete(std::uint16_t packet_id, const Error& e);
    void pump();

    boost::asio::io_context& io_;
    std::unique_ptr<Stream> stream_;
    boost::asio::steady_timer timer_;  // connect timeout, then keep alive
    std::shared_ptr<Client> self_;
    int pending_ops_ = 0;

    State state_ = State::Idle;
    mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::V311;
    std::string host_;
    std::uint16_t port_ = 0;
    ConnectHandler on_connect_;
    std::shared_ptr<EnhancedAuth> auth_;  // during connect(), when enhanced authentication is used
    std::string auth_method_;
    MessageHandler on_message_;
    CloseHandler on_close_;
    std::function<void(std::uint16_t)> on_pubrec_received_;
    std::function<void(std::uint16_t)> on_pubrel_;
    bool manual_acks_ = false;
    ServerInfo server_;
    std::uint16_t local_max_inflight_ = 65'000;
    std::chrono::milliseconds keep_alive_{0};

    // Input
    std::string in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    std::size_t max_read_buffer_ = 0;
    mqtt::StreamDecoder decoder_;
    bool in_read_handler_ = false;
    std::vector<bool> qos2_received_;  // packet ids of QoS 2 PUBLISHes awaiting PUBREL (lazily sized)

    // Output
    std::string out_;      // being encoded into
    std::string writing_;  // handed to the stream
    bool write_in_progress_ = false;
    bool flush_posted_ = false;
    std::chrono::steady_clock::time_point last_tx_{};
    std::chrono::steady_clock::time_point ping_sent_{};
    bool ping_outstanding_ = false;

    InflightWindow window_;
    std::deque<Queued> queue_;
    RequestTable requests_;
};

}  // namespace tapmq::client
