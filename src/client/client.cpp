// Client connection and I/O: connecting, the read loop, the output buffer and flushing, the timer
// (connect timeout, then keep alive) and closing. Packet handlers: client_handlers.cpp; the outgoing
// PUBLISH window: client_publish.cpp.
#include "client.hpp"

#include <algorithm>
#include <cstring>

#include "mqtt/encoder.hpp"
#include "tcp_stream.hpp"

namespace tapmq::client {

using boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::shared_ptr<Client> Client::create(boost::asio::io_context& io) {
    return create(io, std::make_unique<TcpStream>(io));
}

std::shared_ptr<Client> Client::create(boost::asio::io_context& io, std::unique_ptr<Stream> stream) {
    return std::shared_ptr<Client>(new Client(io, std::move(stream)));
}

Client::Client(boost::asio::io_context& io, std::unique_ptr<Stream> stream)
    : io_(io), stream_(std::move(stream)), timer_(io) {}

Client::~Client() = default;

void Client::op_started() {
    if (pending_ops_++ == 0) self_ = shared_from_this();
}

std::shared_ptr<Client> Client::op_done() {
    if (--pending_ops_ == 0) return std::move(self_);
    return nullptr;
}

// ---------------------------------------------------------------- connecting

void Client::connect(const ConnectOptions& o, ConnectHandler done) {
    if (state_ != State::Idle) {
        boost::asio::post(io_, [done = std::move(done)] {
            done(Error{Error::Kind::Rejected, mqtt::ReasonCode::Success, "connect() called twice"}, nullptr);
        });
        return;
    }
    state_ = State::Connecting;
    on_connect_ = std::move(done);
    version_ = o.version;
    host_ = o.host;
    port_ = o.port;
    local_max_inflight_ = o.max_inflight;
    manual_acks_ = o.manual_acks;
    keep_alive_ = std::chrono::seconds(o.keep_alive);
    decoder_.set_version(version_);
    decoder_.set_max_packet_size(o.max_packet_size);
    in_.resize(std::max<std::size_t>(o.read_buffer_size, 64));
    max_read_buffer_ = std::max(o.max_read_buffer_size, in_.size());

    // CONNECT is encoded now, so every view in `o` only needs to live through this call.
    mqtt::Packet packet{std::in_place_type<mqtt::Connect>};
    auto& c = std::get<mqtt::Connect>(packet);
    c.version = o.version;
    c.clean_start = o.clean_start;
    c.keep_alive = o.keep_alive;
    c.client_id = o.client_id;
    c.bridge = o.bridge;
    if (o.username) c.username = *o.username;
    if (o.password) c.password = *o.password;
    std::string auth_data;
    auth_.reset();
    if (mqtt::is_v5(version_)) {
        c.properties = o.properties;
        if (o.max_packet_size != mqtt::kMaxPacketSize) c.properties.maximum_packet_size = o.max_packet_size;
        if (o.auth) {
            auth_ = o.auth;
            auth_method_ = auth_->method();
            auth_data = auth_->initial_data();
            c.properties.authentication_method = auth_method_;
            c.properties.authentication_data = auth_data;
        }
    }
    if (o.will) {
        mqtt::Will w;
        w.topic = o.will->topic;
        w.payload = o.will->payload;
        w.qos = o.will->qos;
        w.retain = o.will->retain;
        if (mqtt::is_v5(version_)) w.properties = o.will->properties;
        c.will = std::move(w);
    }
    mqtt::encode_append(packet, version_, out_);
    arm_timer(o.connect_timeout);

    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(o.host, ec);
    if (!ec) {
        start_connect({tcp::endpoint(address, o.port)});
        return;
    }
    auto resolver = std::make_shared<tcp::resolver>(io_);
    op_started();
    resolver->async_resolve(
        o.host, std::to_string(o.port),
        [this, resolver](const boost::system::error_code& ec, tcp::resolver::results_type r) {
            auto keep = op_done();
            if (state_ != State::Connecting) return;
            if (ec) {
                fail(Error{Error::Kind::Resolve, mqtt::ReasonCode::Success,
                           "cannot resolve " + host_ + ": " + ec.message()});
                return;
            }
            std::vector<tcp::endpoint> endpoints;
            for (const auto& e : r)
                endpoints.push_back(e.endpoint());
            start_connect(std::move(endpoints));
        });
}

void Client::start_connect(std::vector<tcp::endpoint> endpoints) {
    op_started();
    stream_->async_connect(endpoints, host_,
                           [this](const boost::system::error_code& ec) { on_stream_connected(ec); });
}

void Client::on_stream_connected(const boost::system::error_code& ec) {
    auto keep = op_done();
    if (state_ != State::Connecting) return;
    if (ec) {
        std::string what = stream_->connect_error();
        if (what.empty())
            what = "cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + ec.message();
        fail(Error{Error::Kind::Network, mqtt::ReasonCode::Success, std::move(what)});
        return;
    }
    state_ = State::AwaitConnack;
    read();
    flush();
}

// ---------------------------------------------------------------- input

void Client::read() {
    if (in_end_ == in_.size()) {
        if (in_begin_ > 0) {
            std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
            in_end_ -= in_begin_;
            in_begin_ = 0;
        } else {
            in_.resize(in_.size() * 2);
        }
    }
    op_started();
    stream_->async_read_some(boost::asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                             [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
}

void Client::on_read(const boost::system::error_code& ec, std::size_t n) {
    auto keep = op_done();
    if (state_ == State::Closed) return;
    if (ec) {
        if (state_ == State::Disconnecting) {
            fail(Error::success());  // the broker closed after our DISCONNECT, as it should
            return;
        }
        const bool before_connack = state_ == State::AwaitConnack;
        std::string what = stream_->explain_read_error(ec, before_connack);
        if (what.empty() && ec == boost::asio::error::eof) {
            what = before_connack ? "the broker closed the connection before CONNACK"
                                  : "the broker closed the connection";
        } else if (what.empty()) {
            what = "read failed: " + ec.message();
        }
        fail(Error{Error::Kind::Network, mqtt::ReasonCode::Success, std::move(what)});
        return;
    }
    const bool filled = n == in_.size() - in_end_;
    in_end_ += n;
    in_read_handler_ = true;
    process_input();
    in_read_handler_ = false;
    if (state_ == State::Closed) return;
    if (filled && in_.size() < max_read_buffer_) {
        // A burst filled the buffer: grow it so the next read takes more per system call.
        in_.resize(std::min(in_.size() * 2, max_read_buffer_));
    }
    read();
    flush();
}

void Client::process_input() {
    if (state_ == State::Disconnecting) {  // DISCONNECT is queued: nothing more is answered
        in_begin_ = in_end_ = 0;
        return;
    }
    std::string_view view(in_.data() + in_begin_, in_end_ - in_begin_);
    try {
        mqtt::Packet packet;  // one for the whole read: each packet is decoded into it in place
        while (state_ == State::Connected || state_ == State::AwaitConnack) {
            if (!decoder_.next(view, packet)) break;
            handle(packet);
        }
    } catch (const mqtt::ProtocolError& e) {
        protocol_violation(e.code(), e.what());
        return;
    }
    if (state_ == State::Closed) return;
    if (state_ == State::Disconnecting) {
        in_begin_ = in_end_ = 0;
        return;
    }
    in_begin_ = in_end_ - view.size();
    if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
        return;
    }
    // A partial packet: make sure the whole of it fits once read.
    const std::size_t needed = decoder_.bytes_needed();
    if (needed > in_.size() - in_begin_) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
        if (needed > in_.size()) in_.resize(needed);
    }
}

// ---------------------------------------------------------------- output

void Client::send(const mqtt::Packet& p) {
    if (state_ == State::Closed || state_ == State::Disconnecting) return;  // nothing after DISCONNECT
    mqtt::encode_append(p, version_, out_);
    request_flush();
}

void Client::request_flush() {
    // Inside the read handler the flush happens at its end; while a write is in flight, at its end.
    if (in_read_handler_ || write_in_progress_ || flush_posted_) return;
    if (state_ == State::Idle || state_ == State::Connecting || state_ == State::Closed) return;
    flush_posted_ = true;
    op_started();
    boost::asio::post(io_, [this] {
        auto keep = op_done();
        flush_posted_ = false;
        flush();
    });
}

void Client::flush() {
    if (write_in_progress_ || out_.empty()) return;
    if (state_ == State::Idle || state_ == State::Connecting || state_ == State::Closed) return;
    writing_.swap(out_);
    out_.clear();
    write_in_progress_ = true;
    last_tx_ = Clock::now();
    op_started();
    stream_->async_write(boost::asio::buffer(writing_),
                         [this](const boost::system::error_code& ec, std::size_t) { on_written(ec); });
}

void Client::on_written(const boost::system::error_code& ec) {
    auto keep = op_done();
    write_in_progress_ = false;
    writing_.clear();
    if (state_ == State::Closed) return;
    if (ec) {
        fail(Error{Error::Kind::Network, mqtt::ReasonCode::Success, "write failed: " + ec.message()});
        return;
    }
    if (state_ == State::Disconnecting && out_.empty()) {
        // DISCONNECT is out: send FIN and let the broker close (the read sees end of file), so that
        // unread input cannot turn our close into a reset that might lose the DISCONNECT.
        stream_->shutdown_send();
        return;
    }
    flush();
}

// ---------------------------------------------------------------- timer

void Client::arm_timer(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    op_started();
    timer_.async_wait([this](const boost::system::error_code& ec) {
        auto keep = op_done();
        if (ec || state_ == State::Closed) return;
        on_timer();
    });
}

void Client::on_timer() {
    switch (state_) {
        case State::Connecting:
        case State::AwaitConnack:
            fail(Error{Error::Kind::Timeout, mqtt::ReasonCode::Success,
                       "no CONNACK from " + host_ + ":" + std::to_string(port_) + " in time"});
            return;
        case State::Disconnecting:
            fail(Error::success());
            return;
        case State::Connected:
            break;
        default:
            return;
    }
    if (keep_alive_.count() == 0) return;
    const auto now = Clock::now();
    const auto period = std::max(keep_alive_ / 2, std::chrono::milliseconds(500));
    if (ping_outstanding_ && now - ping_sent_ >= keep_alive_) {
        fail(Error{Error::Kind::Timeout, mqtt::ReasonCode::KeepAliveTimeout,
                   "no PINGRESP within the keep alive"});
        return;
    }
    if (!ping_outstanding_ && now - last_tx_ >= period - std::chrono::milliseconds(50)) {
        send(mqtt::Pingreq{});
        ping_outstanding_ = true;
        ping_sent_ = now;
    }
    arm_timer(period);
}

// ---------------------------------------------------------------- closing

void Client::disconnect(mqtt::ReasonCode reason, const mqtt::Properties* properties) {
    if (state_ == State::Closed || state_ == State::Disconnecting) return;
    if (state_ != State::Connected) {
        close();
        return;
    }
    mqtt::Packet packet{std::in_place_type<mqtt::Disconnect>};
    auto& d = std::get<mqtt::Disconnect>(packet);
    d.reason = reason;
    if (properties && mqtt::is_v5(version_)) d.properties = *properties;
    send(packet);
    state_ = State::Disconnecting;
    arm_timer(std::chrono::seconds(5));  // the broker must have closed by then
}

void Client::close() {
    fail(Error{Error::Kind::Closed, mqtt::ReasonCode::Success, "closed by the client"});
}

void Client::fail(Error e) {
    if (state_ == State::Closed) return;
    const bool was_connected = state_ == State::Connected || state_ == State::Disconnecting;
    state_ = State::Closed;
    stream_->close();
    timer_.cancel();
    const Error lost{e.ok() ? Error::Kind::Closed : e.kind, e.reason,
                     e.ok() ? std::string("the connection closed") : e.message};
    window_.fail_all(lost);
    auto queued = std::move(queue_);
    queue_.clear();
    for (auto& q : queued) {
        if (q.done) q.done(lost);
    }
    requests_.fail_all(lost);
    if (auto h = std::move(on_connect_)) {
        on_connect_ = nullptr;
        h(e, nullptr);
    } else if (was_connected && on_close_) {
        auto close_handler = std::move(on_close_);
        on_close_ = nullptr;
        close_handler(e);
    }
}

}  // namespace tapmq::client
