// Connection I/O: reading and framing, the output buffer, flushing, keep alive and closing.
// The packet handlers are in connection_handlers.cpp.
#include "connection.hpp"

#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "durability.hpp"
#include "log_text.hpp"
#include "mount_point.hpp"
#include "mqtt/encoder.hpp"
#include "stats.hpp"
#include "transports.hpp"
#include "worker.hpp"

namespace tapmq::broker {
namespace {

// The input buffer starts empty, grows by doubling from kMinRead while reads fill it (a busy
// connection soon reads 16 KiB and more at a time), and drops back once it held a large packet. An
// idle connection thus costs a few hundred bytes of buffer, not a full read chunk.
constexpr std::size_t kMinRead = 512;
constexpr std::size_t kReadChunk = 16 * 1024;
// A lingering close (linger_close) reads and discards at most this much, for at most this long.
constexpr std::uint32_t kLingerBytes = 1024 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);
// What an empty std::string holds without allocating (not a constant expression for every compiler
// and standard library: clang 14 with libstdc++ 12 refuses it).
const std::size_t kInlineCapacity = std::string().capacity();

}  // namespace

Connection::Connection(Broker& broker, Worker& worker, const ListenerSettings& listener,
                       std::unique_ptr<Transport> t)
    : broker_(broker),
      worker_(worker),
      listener_(listener),
      transport_(std::move(t)),
      remote_(transport_->remote_address()),
      decoder_(broker.limits().max_packet_size) {}

Connection::~Connection() = default;

void Connection::start() {
    worker_.add(this);
    if (broker_.limits().connection_messages)
        spdlog::info("New connection from {} on {}.", remote_, listener_.name);
    keepalive_limit_ = std::chrono::seconds(broker_.limits().connect_timeout_seconds);
    arm_keepalive();  // also bounds the transport handshake
    transport_->async_handshake(shared_from_this());
}

void Connection::on_handshake(const boost::system::error_code& ec) {
    if (state_ == State::Closed) return;
    if (is_http_done(ec)) {  // served HTTP requests only (http_dir, /metrics)
        spdlog::debug("HTTP connection from {} closed.", remote_);
        close_now();
        return;
    }
    if (ec) {
        spdlog::warn("{} handshake with {} failed: {}.", transport_->kind(), remote_, ec.message());
        close_now();
        return;
    }
    read();
}

void Connection::on_progress() {
    if (state_ == State::AwaitConnect) arm_keepalive();
}

void Connection::end_handshake() {
    if (!handshake_pending_) return;
    handshake_pending_ = false;
    broker_.pending_handshakes().fetch_sub(1, std::memory_order_relaxed);
}

const std::string& Connection::client_id() const noexcept {
    static const std::string none;
    if (session_) return session_->client_id();
    return extras_ ? extras_->client_id : none;
}

const std::string& Connection::username() const noexcept {
    static const std::string none;
    return extras_ ? extras_->username : none;
}

std::string Connection::describe() const {
    const std::string& id = client_id();
    return id.empty() ? remote_ : loggable(id) + " (" + remote_ + ")";
}

boost::asio::steady_timer& Connection::timer() {
    auto& t = extras().timer;
    if (!t) t = std::make_unique<boost::asio::steady_timer>(worker_.context());
    return *t;
}

// ---------------------------------------------------------------- input

void Connection::read() {
    if (in_begin_ == in_end_ && transport_->reads_on_readiness()) {
        if (more_to_read_) {
            // Readiness is edge-triggered: bytes left behind by a full read raise no new event.
            more_to_read_ = false;
            boost::asio::post(worker_.context(), [self = shared_from_this()] { self->on_readable({}); });
        } else {
            transport_->async_wait_readable(shared_from_this());
        }
        return;
    }
    if (in_end_ == in_size_) {
        // Make room: move unread bytes to the front, or grow for a packet larger than the buffer.
        if (in_begin_ > 0) {
            std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
            in_end_ -= in_begin_;
            in_begin_ = 0;
        }
        if (in_end_ == in_size_) reserve_input(std::max<std::size_t>(kMinRead, in_size_ * 2), in_end_);
    }
    read_space_ = in_size_ - in_end_;
    transport_->async_read_some(boost::asio::buffer(in_.get() + in_end_, read_space_), shared_from_this());
}

void Connection::note_received(std::size_t n) {
    Stats::add(broker_.stats().bytes_received, n);
    // The CONNECT deadline (and an enhanced authentication's) runs from the connection's start,
    // however busy the client keeps it.
    if (state_ == State::Connected) last_rx_ = Clock::now();
}

void Connection::on_allocation_failure() {
    // One client's packet must not take the worker (and every other client on it) down.
    spdlog::error("Closing {}: out of memory while handling its input.", describe());
    close_now();
}

void Connection::on_readable(const boost::system::error_code& ec) {
    try {
        handle_readable(ec);
    } catch (const std::bad_alloc&) {
        on_allocation_failure();
    }
}

void Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
    try {
        handle_read(ec, n);
    } catch (const std::bad_alloc&) {
        on_allocation_failure();
    }
}

void Connection::handle_readable(const boost::system::error_code& ec) {
    if (lingering_) {
        boost::system::error_code rec = ec;
        std::size_t n = 0;
        std::span<char> scratch = worker_.scratch();
        if (!rec) n = transport_->read_now(boost::asio::buffer(scratch.data(), scratch.size()), rec);
        return drain_lingering(rec, n);
    }
    if (state_ == State::Closed) return;
    if (in_begin_ != in_end_) {  // an incomplete packet waits: the buffered path completes it
        if (reading()) read();
        return;
    }
    boost::system::error_code rec = ec;
    std::size_t n = 0;
    std::span<char> scratch = worker_.scratch();
    if (!rec) n = transport_->read_now(boost::asio::buffer(scratch.data(), scratch.size()), rec);
    if (rec == boost::asio::error::would_block) {
        if (reading()) read();
        return;
    }
    if (rec || n == 0) {
        if (state_ == State::Connected && broker_.limits().connection_messages)
            spdlog::info("Client {} closed its connection.", describe());
        close_now();
        return;
    }
    more_to_read_ = n == scratch.size();
    note_received(n);
    {
        Durability::Scope scope(broker_.durability());
        keep_partial(process_input({scratch.data(), n}));
    }
    worker_.flush_deferred();
    if (reading()) read();
}

void Connection::handle_read(const boost::system::error_code& ec, std::size_t n) {
    if (lingering_) return drain_lingering(ec, n);
    if (state_ == State::Closed) return;
    if (ec) {
        if (state_ == State::Connected && broker_.limits().connection_messages)
            spdlog::info("Client {} closed its connection.", describe());
        close_now();
        return;
    }
    in_end_ += static_cast<std::uint32_t>(n);
    // A read that filled all the room it had says more is waiting.
    if (n == read_space_) {
        more_to_read_ = true;
        if (in_size_ < kReadChunk) reserve_input(std::min<std::size_t>(kReadChunk, in_size_ * 2), in_end_);
    }
    note_received(n);
    {
        // One change set for everything this read brings: its acknowledgements wait for one commit.
        Durability::Scope scope(broker_.durability());
        keep_partial(process_input({in_.get() + in_begin_, in_end_ - in_begin_}));
    }
    worker_.flush_deferred();
    if (reading()) read();
}

std::string_view Connection::process_input(std::string_view view) {
    if (state_ == State::AwaitConnect && !view.empty() && static_cast<std::uint8_t>(view.front()) != 0x10) {
        // Not MQTT, or not starting with CONNECT (spec 3.1): no need to wait for a whole packet.
        spdlog::info("Closing {}: first packet is not CONNECT.", describe());
        close_now();
        return {};
    }
    try {
        mqtt::Packet packet;  // one for the whole read: each packet is decoded into it in place
        while (reading()) {
            const char* const begin = view.data();
            if (!decoder_.next(view, packet)) break;
            Stats::add(broker_.stats().messages_received);
            handle(packet, std::string_view(begin, static_cast<std::size_t>(view.data() - begin)));
        }
    } catch (const mqtt::ProtocolError& e) {
        if (state_ == State::AwaitConnect && e.code() == mqtt::ReasonCode::UnsupportedProtocolVersion) {
            refuse(e.code(), e.what());
        } else {
            fail(e.code(), e.what());
        }
        return {};
    }
    // LoggingIn: what follows the CONNECT waits for the login's answer.
    return reading() || state_ == State::LoggingIn ? view : std::string_view{};
}

void Connection::resume_input() {
    if (in_begin_ != in_end_) {
        Durability::Scope scope(broker_.durability());
        keep_partial(process_input({in_.get() + in_begin_, in_end_ - in_begin_}));
    }
    worker_.flush_deferred();
    if (reading()) read();
}

void Connection::keep_partial(std::string_view rest) {
    if (rest.empty()) {
        // Nothing pending: an idle connection keeps no input buffer on the readiness path, and
        // the others give back the room a large packet needed.
        in_begin_ = in_end_ = 0;
        if (transport_->reads_on_readiness() || in_size_ > 4 * kReadChunk) {
            in_.reset();
            in_size_ = 0;
        }
        return;
    }
    // The room the rest of this packet needs (at least), plus a usual read's worth.
    std::size_t want = std::max(decoder_.bytes_needed(), rest.size() + kMinRead);
    if (state_ != State::Connected) {
        // Before the login an announced length is only a claim: room grows with the bytes that
        // actually arrive (read() doubles a full buffer), so a CONNECT announcing 256 MB reserves
        // a few KiB, not 256 MB.
        want = std::min(want, std::max(2 * rest.size(), rest.size() + kReadChunk));
    }
    if (rest.data() >= in_.get() && rest.data() < in_.get() + in_size_) {
        // Already in in_ (buffered path): move it to the front (unless it is there: a large
        // packet arriving read by read would otherwise be copied onto itself each time).
        if (rest.data() != in_.get()) std::memmove(in_.get(), rest.data(), rest.size());
        if (in_size_ < want) reserve_input(want, rest.size());
    } else {
        if (in_size_ < want) reserve_input(want, 0);
        std::memcpy(in_.get(), rest.data(), rest.size());
    }
    in_begin_ = 0;
    in_end_ = static_cast<std::uint32_t>(rest.size());
}

void Connection::reserve_input(std::size_t size, std::size_t keep) {
    if (size <= in_size_) return;
    if (size > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("input buffer too large");
    auto grown = std::make_unique_for_overwrite<char[]>(size);
    if (keep != 0) std::memcpy(grown.get(), in_.get(), keep);
    in_ = std::move(grown);
    in_size_ = static_cast<std::uint32_t>(size);
}

// ---------------------------------------------------------------- output

void Connection::send(const mqtt::Packet& p) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return;
    mqtt::encode_append(p, version_, pending_output());
    note_dependency(true);
    Stats::add(broker_.stats().messages_sent);
    request_flush();
}

void Connection::note_dependency(bool durable) noexcept {
    const std::uint64_t seq = Durability::current_seq();
    if (seq == 0) return;
    if (seq > needs_scope_) needs_scope_ = seq;
    if (durable) needs_durable_ = true;
}

SendResult Connection::send_publish(const Outgoing& o, std::uint16_t packet_id, bool dup, bool force) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return SendResult::Full;
    // The cap covers what waits and what the transport is still writing.
    if (!force && output_ &&
        output_->pending.size() + output_->writing.size() >= broker_.limits().client_write_buffer_limit) {
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
        if (o.msg->expires_at) d.message_expiry = o.msg->remaining_expiry(Clock::now());
    }
    const auto& tmpl = o.msg->publish;
    if (!listener_.mount_point.empty()) {  // the client sees topics below its mount point only
        if (!under_mount(listener_.mount_point, tmpl.topic())) return SendResult::OutsideMountPoint;
        d.topic_skip = static_cast<std::uint16_t>(listener_.mount_point.size());
    }
    bool new_alias = false;
    if (client_topic_alias_max_ != 0) {
        if (!outbound_aliases_) outbound_aliases_ = std::make_unique<AliasMap>();
        auto it = outbound_aliases_->find(tmpl.topic());
        if (it != outbound_aliases_->end()) {
            d.topic_alias = it->second;
            d.omit_topic = true;
        } else if (outbound_aliases_->size() < client_topic_alias_max_) {
            d.topic_alias = static_cast<std::uint16_t>(outbound_aliases_->size() + 1);
            new_alias = true;
        }
    }
    const std::size_t size = tmpl.size(d);
    if (size > client_max_packet_size_) return SendResult::TooLarge;  // spec 3.1.2.11.4: discard
    if (new_alias) outbound_aliases_->emplace(std::string(tmpl.topic()), d.topic_alias);
    std::string& out = pending_output();
    const std::size_t old = out.size();
    out.resize(old + size);
    tmpl.write(d, out.data() + old);
    note_dependency(o.qos == mqtt::QoS::ExactlyOnce);
    Stats::add(broker_.stats().publish_sent);
    Stats::add(broker_.stats().publish_sent_qos[static_cast<std::size_t>(o.qos) % 3]);
    Stats::add(broker_.stats().messages_sent);
    request_flush();
    return SendResult::Sent;
}

void Connection::send_pubrel(std::uint16_t packet_id) {
    std::lock_guard lock(out_mutex_);
    if (closed_) return;
    mqtt::encode_append(mqtt::Pubrel{packet_id, mqtt::ReasonCode::Success, {}}, version_, pending_output());
    note_dependency(true);
    Stats::add(broker_.stats().messages_sent);
    request_flush();
}

// Who writes this connection's output, three paths:
//  - its own worker, once the batch of handlers it is running is done (Worker::defer_flush, flush());
//  - the cross-worker write: another worker that delivered here writes a plain TCP socket itself
//    at the end of its batch (Worker::defer_cross_worker_flush, flush_cross_worker());
//  - otherwise (TLS and WebSocket streams, callers outside any worker): a post to its own worker.
// In each, bytes that speak of state not yet in the store wait for it first (write-ahead).
void Connection::request_flush() {
    if (flush_requested_ || write_in_progress_) return;  // a running write picks the bytes up
    flush_requested_ = true;
    if (worker_.in_this_thread()) {
        worker_.defer_flush(shared_from_this());
    } else if (Worker* here = Worker::current(); here != nullptr && transport_->sends_cross_worker()) {
        // Delivered from another worker: that worker writes the socket once its current batch of
        // handlers is done, so ours is not woken up for it (a thread hand-off costs more than the
        // write).
        here->defer_cross_worker_flush(shared_from_this());
    } else {
        boost::asio::post(worker_.context(), [self = shared_from_this()] { self->flush(); });
    }
}

bool Connection::output_waits_for_store_locked() const noexcept {
    const Durability* d = broker_.durability();
    return d != nullptr && needs_scope_ > (needs_durable_ ? d->durable() : d->submitted());
}

void Connection::finish_write_locked() noexcept {
    write_in_progress_ = false;
    std::string& writing = output_->writing;
    writing.clear();
    if (writing.capacity() > (1u << 20)) std::string().swap(writing);
    // Nothing left and nothing grown (control packets fit in the strings themselves): an
    // idle connection keeps no output buffers. A busy one keeps its grown ones.
    if (output_->pending.empty() && output_->pending.capacity() == kInlineCapacity &&
        writing.capacity() == kInlineCapacity) {
        output_.reset();
    }
}

void Connection::flush_cross_worker() {
    auto self = shared_from_this();
    std::string* writing = nullptr;
    {
        std::lock_guard lock(out_mutex_);
        flush_requested_ = false;
        if (write_in_progress_ || closed_ || !output_ || output_->pending.empty()) return;
        if (output_waits_for_store_locked()) {
            // Write-ahead: our own worker waits for the store (flush() below).
            flush_requested_ = true;
            boost::asio::post(worker_.context(), [self] { self->flush(); });
            return;
        }
        writing = &output_->writing;
        writing->swap(output_->pending);
        needs_durable_ = false;
        write_in_progress_ = true;
        cross_worker_write_ = true;  // keeps the descriptor open (close_now) while the lock is not held
        Stats::add(broker_.stats().bytes_sent, writing->size());
    }
    boost::system::error_code ec;
    const std::size_t n = transport_->send_cross_worker(boost::asio::buffer(*writing), ec);
    bool after_write = false;
    {
        std::lock_guard lock(out_mutex_);
        cross_worker_write_ = false;
        if (closed_) {
            // Closed meanwhile: the close left the descriptor to us.
            boost::asio::post(worker_.context(), [self] { self->transport_->close(); });
            return;
        }
        if (ec || n != writing->size()) {
            // A full socket buffer or an error: our own worker finishes (or fails) the write.
            boost::asio::post(worker_.context(), [self, ec, n] {
                if (ec) {
                    self->on_written(ec, n);
                } else {
                    self->transport_->async_write(boost::asio::buffer(self->output_->writing) + n, self);
                }
            });
            return;
        }
        finish_write_locked();
        if (output_ && !output_->pending.empty()) request_flush();  // appended while we wrote
        // What on_written does besides: a session that waits for room in the buffer, a close that
        // waits for the output to drain.
        after_write = close_when_flushed_ || (session_ && session_->backlog() != 0);
    }
    if (after_write) boost::asio::post(worker_.context(), [self] { self->after_write(); });
}

void Connection::flush() {
    if (!worker_.in_this_thread()) {
        flush_cross_worker();
        return;
    }
    bool close = false;
    {
        std::lock_guard lock(out_mutex_);
        flush_requested_ = false;
        if (write_in_progress_ || closed_) return;
        if (output_waits_for_store_locked()) {
            Durability* d = broker_.durability();
            // Write-ahead: these bytes speak of state that is not on disk (or not submitted) yet.
            if (!waiting_scope_) {
                waiting_scope_ = true;
                auto resume = [self = shared_from_this()] {
                    boost::asio::post(self->worker_.context(), [self] {
                        {
                            std::lock_guard lock(self->out_mutex_);
                            self->waiting_scope_ = false;
                        }
                        self->flush();
                    });
                };
                if (needs_durable_) {
                    d->when_durable(needs_scope_, std::move(resume));
                } else {
                    d->when_submitted(needs_scope_, std::move(resume));
                }
            }
            return;
        }
        if (!output_ || output_->pending.empty()) {
            close = close_when_flushed_;
        } else {
            std::string& writing = output_->writing;
            writing.swap(output_->pending);
            needs_durable_ = false;  // what needed it is on its way
            write_in_progress_ = true;
            Stats::add(broker_.stats().bytes_sent, writing.size());
            transport_->async_write(boost::asio::buffer(writing), shared_from_this());
        }
    }
    if (close) linger_close();
}

void Connection::on_written(const boost::system::error_code& ec, std::size_t) {
    {
        std::lock_guard lock(out_mutex_);
        finish_write_locked();
    }
    if (ec) {
        close_now();
        return;
    }
    after_write();
}

void Connection::after_write() {
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
    end_handshake();
    spdlog::info("Refusing connection from {}: {} ({}).", describe(), why, mqtt::to_string(rc));
    if (rc == mqtt::ReasonCode::UnsupportedProtocolVersion) version_ = mqtt::ProtocolVersion::V311;
    send(mqtt::Connack{false, rc, {}});
    close_after_flush();
}

void Connection::refuse_login(mqtt::ReasonCode rc, const std::string& why) {
    end_handshake();
    const auto delay = broker_.login_throttle().record_failure(remote_ip());
    spdlog::warn("Login failed for client {} (user '{}') from {}: {}.", loggable(client_id()),
                 loggable(username()), remote_, why);
    state_ = State::Closing;  // read nothing more; the refusal follows the back-off delay
    timer().expires_after(delay);
    timer().async_wait([self = shared_from_this(), rc, why](const boost::system::error_code& ec) {
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
    // Authenticating: the CONNECT was fine, a later packet was not (spec 4.13.1: DISCONNECT).
    const bool connected = state_ == State::Connected || state_ == State::Authenticating;
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
    timer().expires_after(std::chrono::seconds(2));
    timer().async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->close_now();
    });
}

void Connection::close_now(bool linger) {
    if (state_ == State::Closed) return;
    state_ = State::Closed;
    bool cross_worker_write = false;
    {
        std::lock_guard lock(out_mutex_);
        closed_ = true;
        cross_worker_write = cross_worker_write_;
    }
    if (extras_ && extras_->timer) extras_->timer->cancel();
    // Bookkeeping first (connection counts, session end, will): a client that sees the socket close
    // and reconnects at once must find the broker's state already updated.
    on_closed();
    // A write from another worker in progress still uses the descriptor: that worker closes it.
    if (cross_worker_write) {
    } else if (linger) {
        transport_->shutdown_send();
        lingering_ = true;
        timer().expires_after(kLingerTime);
        timer().async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->end_linger();
        });
        // Plain TCP reads on readiness: start draining now. TLS and WebSocket streams allow one read
        // at a time, and the one still pending (if any) drains when it completes (on_read).
        if (transport_->reads_on_readiness()) drain_lingering({}, 1);
    } else {
        transport_->close();
    }
    // What on_closed sent to other clients of this worker (a will, shared-subscription messages
    // handed on) was deferred to the end of the current handler, and not every caller flushes then.
    if (worker_.in_this_thread()) worker_.flush_deferred();
}

void Connection::linger_close() {
    close_now(true);
}

void Connection::drain_lingering(const boost::system::error_code& ec, std::size_t n) {
    if (!lingering_) return;
    if (ec == boost::asio::error::would_block) {  // readiness path: drained for now
        transport_->async_wait_readable(shared_from_this());
        return;
    }
    std::uint32_t& total = extras().lingered_bytes;
    total += static_cast<std::uint32_t>(std::min<std::size_t>(n, kLingerBytes));
    if (ec || n == 0 || total >= kLingerBytes) return end_linger();  // end of stream, error or enough
    if (transport_->reads_on_readiness()) {
        on_readable({});  // read on until the socket is empty
    } else {
        if (in_size_ == 0) reserve_input(kMinRead, 0);
        transport_->async_read_some(boost::asio::buffer(in_.get(), in_size_), shared_from_this());
    }
}

void Connection::end_linger() {
    if (!lingering_) return;
    lingering_ = false;
    if (extras_ && extras_->timer) extras_->timer->cancel();
    transport_->close();
}

// ---------------------------------------------------------------- keep alive

void Connection::arm_keepalive() {
    last_rx_ = Clock::now();
}

void Connection::end_overdue() {
    switch (state_) {
        case State::AwaitConnect:
            spdlog::info("Closing {}: no CONNECT within {} s.", describe(),
                         broker_.limits().connect_timeout_seconds);
            close_now();
            break;
        case State::LoggingIn:
        case State::Authenticating:
            spdlog::info("Closing {}: authentication not finished within {} s.", describe(),
                         broker_.limits().connect_timeout_seconds);
            close_now();
            break;
        case State::Connected:
            spdlog::info("Client {} has exceeded timeout, disconnecting.", describe());
            fail(mqtt::ReasonCode::KeepAliveTimeout, "keep alive timeout");
            break;
        case State::Closing:
        case State::Closed:
            break;
    }
}

}  // namespace tapmq::broker
