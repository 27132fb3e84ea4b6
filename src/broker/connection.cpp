// Connection I/O: reading and framing, the output buffer, flushing, keep alive and closing.
// The packet handlers are in connection_handlers.cpp.
#include "connection.hpp"

#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "durability.hpp"
#include "mqtt/encoder.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace tapmq::broker {
namespace {

// The input buffer starts empty, grows by doubling from kMinRead while reads fill it (a busy
// connection soon reads 16 KiB and more at a time), and drops back once it held a large packet. An
// idle connection thus costs a few hundred bytes of buffer, not a full read chunk.
constexpr std::size_t kMinRead = 512;
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

Connection::Connection(Broker& broker, Worker& worker, const ListenerSettings& listener,
                       std::unique_ptr<Transport> t)
    : broker_(broker),
      worker_(worker),
      listener_(listener),
      transport_(std::move(t)),
      remote_(transport_->remote_address()),
      decoder_(broker.limits().max_packet_size),
      keepalive_timer_(worker.context()) {}

Connection::~Connection() = default;

void Connection::start() {
    worker_.add(this);
    spdlog::info("New connection from {} on {}.", remote_, listener_.name);
    last_rx_ = Clock::now();
    keepalive_limit_ = std::chrono::seconds(broker_.limits().connect_timeout_seconds);
    arm_keepalive();  // also bounds the transport handshake
    transport_->async_handshake([self = shared_from_this()](const boost::system::error_code& ec) {
        if (self->state_ == State::Closed) return;
        if (ec) {
            spdlog::warn("{} handshake with {} failed: {}.", self->transport_->kind(), self->remote_,
                         ec.message());
            self->close_now();
            return;
        }
        self->read();
    });
}

void Connection::end_handshake() {
    if (!handshake_pending_) return;
    handshake_pending_ = false;
    broker_.pending_handshakes().fetch_sub(1, std::memory_order_relaxed);
}

std::string Connection::describe() const {
    return client_id_.empty() ? remote_ : client_id_ + " (" + remote_ + ")";
}

// ---------------------------------------------------------------- input

void Connection::read() {
    if (in_end_ == in_.size()) {
        // Make room: move unread bytes to the front, or grow for a packet larger than the buffer.
        if (in_begin_ > 0) {
            std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
            in_end_ -= in_begin_;
            in_begin_ = 0;
        }
        if (in_end_ == in_.size()) in_.resize(std::max(kMinRead, in_.size() * 2));
    }
    read_space_ = in_.size() - in_end_;
    transport_->async_read_some(boost::asio::buffer(in_.data() + in_end_, read_space_),
                                [self = shared_from_this()](const boost::system::error_code& ec,
                                                            std::size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
    if (state_ == State::Closed) return;
    if (ec) {
        if (state_ == State::Connected) spdlog::info("Client {} closed its connection.", describe());
        close_now();
        return;
    }
    in_end_ += n;
    // A read that filled all the room it had says more is waiting: read bigger from now on.
    if (n == read_space_ && in_.size() < kReadChunk) in_.resize(std::min(kReadChunk, in_.size() * 2));
    Stats::add(broker_.stats().bytes_received, n);
    last_rx_ = Clock::now();
    {
        // One change set for everything this read brings: its acknowledgements wait for one commit.
        Durability::Scope scope(broker_.durability());
        process_input();
    }
    worker_.flush_deferred();
    if (state_ == State::AwaitConnect || state_ == State::Connected) read();
}

void Connection::process_input() {
    std::string_view view(in_.data() + in_begin_, in_end_ - in_begin_);
    if (state_ == State::AwaitConnect && !view.empty() && static_cast<std::uint8_t>(view.front()) != 0x10) {
        // Not MQTT, or not starting with CONNECT (spec 3.1): no need to wait for a whole packet.
        spdlog::info("Closing {}: first packet is not CONNECT.", describe());
        close_now();
        return;
    }
    try {
        while (state_ == State::AwaitConnect || state_ == State::Connected) {
            auto packet = decoder_.next(view);
            if (!packet) break;
            Stats::add(broker_.stats().messages_received);
            handle(*packet);
        }
    } catch (const mqtt::ProtocolError& e) {
        if (state_ == State::AwaitConnect && e.code() == mqtt::ReasonCode::UnsupportedProtocolVersion) {
            refuse(e.code(), e.what());
        } else {
            fail(e.code(), e.what());
        }
        return;
    }
    in_begin_ = in_end_ - view.size();
    if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
        if (in_.size() > 4 * kReadChunk) {  // give back the room a large packet needed
            in_.resize(kReadChunk);
            in_.shrink_to_fit();
        }
    }
    const std::size_t needed = decoder_.bytes_needed();
    if (needed > in_.size() - in_begin_) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
        if (needed > in_.size()) in_.resize(needed);
    }
}

// ---------------------------------------------------------------- output

void Connection::send(const mqtt::Packet& p) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return;
    mqtt::encode_append(p, version_, out_);
    note_dependency();
    Stats::add(broker_.stats().messages_sent);
    request_flush();
}

void Connection::note_dependency() noexcept {
    const std::uint64_t seq = Durability::current_seq();
    if (seq > needs_durable_) needs_durable_ = seq;
}

SendResult Connection::send_publish(const Outgoing& o, std::uint16_t packet_id, bool dup, bool force) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return SendResult::Full;
    // The cap covers what waits and what the transport is still writing.
    if (!force && out_.size() + writing_.size() >= broker_.limits().client_write_buffer_limit) {
        return SendResult::Full;
    }
    mqtt::Delivery d;
    d.version = version_;
    d.qos = o.qos;
    d.retain = o.retain;
    d.dup = dup;
    d.packet_id = packet_id;
    if (mqtt::is_v5(version_)) {
        d.subscription_ids = o.subscription_ids;
        d.message_expiry = o.msg->remaining_expiry(Clock::now());
    }
    const auto& tmpl = o.msg->publish;
    bool new_alias = false;
    if (client_topic_alias_max_ != 0) {
        auto it = outbound_aliases_.find(tmpl.topic());
        if (it != outbound_aliases_.end()) {
            d.topic_alias = it->second;
            d.omit_topic = true;
        } else if (outbound_aliases_.size() < client_topic_alias_max_) {
            d.topic_alias = static_cast<std::uint16_t>(outbound_aliases_.size() + 1);
            new_alias = true;
        }
    }
    const std::size_t size = tmpl.size(d);
    if (size > client_max_packet_size_) return SendResult::TooLarge;  // spec 3.1.2.11.4: discard
    if (new_alias) outbound_aliases_.emplace(std::string(tmpl.topic()), d.topic_alias);
    const std::size_t old = out_.size();
    out_.resize(old + size);
    tmpl.write(d, out_.data() + old);
    note_dependency();
    Stats::add(broker_.stats().publish_sent);
    Stats::add(broker_.stats().messages_sent);
    request_flush();
    return SendResult::Sent;
}

void Connection::send_pubrel(std::uint16_t packet_id) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return;
    mqtt::encode_append(mqtt::Pubrel{packet_id, mqtt::ReasonCode::Success, {}}, version_, out_);
    note_dependency();
    Stats::add(broker_.stats().messages_sent);
    request_flush();
}

void Connection::request_flush() {
    if (flush_requested_ || write_in_progress_) return;  // a running write picks the bytes up
    flush_requested_ = true;
    if (worker_.in_this_thread()) {
        worker_.defer_flush(shared_from_this());
    } else {
        boost::asio::post(worker_.context(), [self = shared_from_this()] { self->flush(); });
    }
}

void Connection::flush() {
    bool close = false;
    {
        std::lock_guard lock(out_mutex_);
        flush_requested_ = false;
        if (write_in_progress_ || closed_) return;
        Durability* d = broker_.durability();
        if (d != nullptr && needs_durable_ > d->durable()) {
            // Write-ahead: these bytes speak of state that is not on disk yet.
            if (!waiting_durable_) {
                waiting_durable_ = true;
                d->when_durable(needs_durable_, [self = shared_from_this()] {
                    boost::asio::post(self->worker_.context(), [self] {
                        {
                            std::lock_guard lock(self->out_mutex_);
                            self->waiting_durable_ = false;
                        }
                        self->flush();
                    });
                });
            }
            return;
        }
        if (out_.empty()) {
            close = close_when_flushed_;
        } else {
            writing_.swap(out_);
            write_in_progress_ = true;
            Stats::add(broker_.stats().bytes_sent, writing_.size());
            transport_->async_write(boost::asio::buffer(writing_),
                                    [self = shared_from_this()](const boost::system::error_code& ec,
                                                                std::size_t n) { self->on_written(ec, n); });
        }
    }
    if (close) close_now();
}

void Connection::on_written(const boost::system::error_code& ec, std::size_t) {
    {
        std::lock_guard lock(out_mutex_);
        write_in_progress_ = false;
        writing_.clear();
        if (writing_.capacity() > (1u << 20)) std::string().swap(writing_);
    }
    if (ec) {
        close_now();
        return;
    }
    flush();
    // Room in the buffer again: let the session move queued messages in.
    if (session_ && state_ == State::Connected) {
        Durability::Scope scope(broker_.durability());
        session_->pump();
    }
    worker_.flush_deferred();
}

// ---------------------------------------------------------------- closing

void Connection::kick(mqtt::ReasonCode reason) {
    boost::asio::post(worker_.context(), [self = shared_from_this(), reason] {
        if (self->state_ == State::Closed || self->state_ == State::Closing) return;
        self->fail(reason, std::string(mqtt::to_string(reason)));
    });
}

void Connection::refuse(mqtt::ReasonCode rc, const char* why) {
    spdlog::info("Refusing connection from {}: {} ({}).", describe(), why, mqtt::to_string(rc));
    if (rc == mqtt::ReasonCode::UnsupportedProtocolVersion) version_ = mqtt::ProtocolVersion::V311;
    send(mqtt::Connack{false, rc, {}});
    close_after_flush();
}

void Connection::refuse_login(mqtt::ReasonCode rc, const std::string& why) {
    const auto delay = broker_.login_throttle().record_failure(remote_ip());
    spdlog::warn("Login failed for client {} (user '{}') from {}: {}.", client_id_, username_, remote_, why);
    state_ = State::Closing;  // read nothing more; the refusal follows the back-off delay
    keepalive_timer_.expires_after(delay);
    keepalive_timer_.async_wait([self = shared_from_this(), rc, why](const boost::system::error_code& ec) {
        if (ec || self->state_ == State::Closed) return;
        self->state_ = State::AwaitConnect;
        self->refuse(rc, why.c_str());
    });
}

std::string Connection::remote_ip() const {
    auto colon = remote_.rfind(':');
    return colon == std::string::npos ? remote_ : remote_.substr(0, colon);
}

void Connection::fail(mqtt::ReasonCode rc, const std::string& why) {
    if (state_ == State::Closed || state_ == State::Closing) return;
    const bool connected = state_ == State::Connected;
    if (rc != mqtt::ReasonCode::SessionTakenOver && rc != mqtt::ReasonCode::ServerShuttingDown) {
        spdlog::warn("Disconnecting {}: {} ({}).", describe(), why, mqtt::to_string(rc));
    } else {
        spdlog::info("Disconnecting {}: {}.", describe(), why);
    }
    if (connected && mqtt::is_v5(version_)) {
        send(mqtt::Disconnect{rc, {}});
        close_after_flush();
    } else {
        close_now();
    }
}

void Connection::close_after_flush() {
    state_ = State::Closing;
    {
        std::lock_guard lock(out_mutex_);
        close_when_flushed_ = true;
    }
    flush();
    // A peer that never reads must not keep us waiting: close regardless after a grace period.
    keepalive_timer_.expires_after(std::chrono::seconds(2));
    keepalive_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->close_now();
    });
}

void Connection::close_now() {
    if (state_ == State::Closed) return;
    state_ = State::Closed;
    {
        std::lock_guard lock(out_mutex_);
        closed_ = true;
    }
    keepalive_timer_.cancel();
    // Bookkeeping first (connection counts, session end, will): a client that sees the socket close
    // and reconnects at once must find the broker's state already updated.
    on_closed();
    transport_->close();
    // What on_closed sent to other clients of this worker (a will, shared-subscription messages
    // handed on) was deferred to the end of the current handler, and not every caller flushes then.
    if (worker_.in_this_thread()) worker_.flush_deferred();
}

// ---------------------------------------------------------------- keep alive

void Connection::arm_keepalive() {
    if (keepalive_limit_.count() == 0) return;
    auto deadline = last_rx_ + keepalive_limit_;
    keepalive_timer_.expires_at(deadline);
    keepalive_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state_ == State::Closed || self->state_ == State::Closing) return;
        if (Clock::now() - self->last_rx_ < self->keepalive_limit_) {
            self->arm_keepalive();
            return;
        }
        if (self->state_ == State::AwaitConnect) {
            spdlog::info("Closing {}: no CONNECT within {} s.", self->describe(),
                         self->broker_.limits().connect_timeout_seconds);
            self->close_now();
        } else {
            spdlog::info("Client {} has exceeded timeout, disconnecting.", self->describe());
            self->fail(mqtt::ReasonCode::KeepAliveTimeout, "keep alive timeout");
        }
    });
}

}  // namespace tapmq::broker
