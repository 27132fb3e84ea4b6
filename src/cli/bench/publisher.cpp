#include "publisher.hpp"

#include "payload.hpp"

namespace tapmq::cli::bench {
namespace {

constexpr std::int64_t kStallNs = 1'000'000'000;  // a window without progress this long is written off

client::ConnectOptions connect_options(const RunContext& ctx, const std::string& client_id) {
    const auto& o = ctx.options();
    client::ConnectOptions c;
    c.host = o.host;
    c.port = o.port;
    c.version = ctx.version();
    c.client_id = client_id;
    c.keep_alive = o.keep_alive;
    c.username = o.username;
    c.password = o.password;
    c.connect_timeout = std::chrono::seconds(o.connect_timeout);
    apply_session_expiry(o, c);
    return c;
}

}  // namespace

void apply_session_expiry(const BenchOptions& o, client::ConnectOptions& c) {
    if (o.session_expiry == 0) return;
    if (mqtt::is_v5(c.version)) {
        c.properties.session_expiry_interval = o.session_expiry;  // a fresh session (clean start) kept
    } else {
        c.clean_start = false;  // 3.1.1: clean session 0 is the only way to a persistent session
    }
}

Publisher::Publisher(RunContext& ctx, Worker& worker, std::uint32_t id, std::string topic,
                     unsigned deliveries_per_message)
    : ctx_(ctx),
      worker_(worker),
      stats_(worker.stats()),
      id_(id),
      topic_(std::move(topic)),
      deliveries_(deliveries_per_message == 0 ? 1 : deliveries_per_message),
      paced_(ctx.options().rate > 0),
      window_(ctx.options().inflight),
      payload_(ctx.options().payload, 'x'),
      client_(client::Client::create(worker.io())) {
    if (paced_) {
        const double period_ns = 1e9 / ctx.options().rate;
        const auto pubs = static_cast<double>(ctx.options().pubs > 0 ? ctx.options().pubs : 1);
        phase_ns_ = static_cast<std::int64_t>(period_ns * static_cast<double>(id) / pubs);
    }
}

void Publisher::connect() {
    const std::string client_id = "tapmq-bench-" + ctx_.run_id() + "-p" + std::to_string(id_);
    client_->on_close([this](const client::Error& e) {
        if (ctx_.stopping()) {
            ctx_.closed.fetch_add(1);
            return;
        }
        stats_.errors.add();
        ctx_.error("publisher " + std::to_string(id_) + " lost its connection: " + e.message);
    });
    client_->connect(connect_options(ctx_, client_id), [this](const client::Error& e, const mqtt::Connack*) {
        if (ctx_.stopping()) return;
        if (e) {
            ctx_.fail("publisher " + std::to_string(id_) + ": " + e.message);
            return;
        }
        ctx_.ready.fetch_add(1);
    });
}

void Publisher::begin() {
    started_ = true;
    if (!paced_) pump();
}

void Publisher::stop() {
    started_ = false;
    client_->disconnect();
    if (client_->closed()) ctx_.closed.fetch_add(1);  // never connected: nothing to wait for
}

bool Publisher::ack_window_open() const noexcept {
    return ctx_.qos() == mqtt::QoS::AtMostOnce || unacked_ < window_;
}

bool Publisher::delivery_window_open() const noexcept {
    const std::uint64_t credited = progress_.load(std::memory_order_seq_cst) + written_off_;
    const std::uint64_t owed = next_seq_ * deliveries_;
    return owed < credited + window_ * deliveries_;
}

bool Publisher::send() {
    // Stamped as it is written: a message is not charged for the ones sent before it in a burst.
    const std::int64_t now = now_ns();
    write_payload_header(payload_.data(), PayloadHeader{id_, next_seq_, now});
    client::PublishHandler done;
    if (ctx_.qos() != mqtt::QoS::AtMostOnce) done = [this](const client::Error& e) { on_ack(e); };
    if (!client_->publish(topic_, payload_, ctx_.qos(), false, std::move(done))) {
        stats_.errors.add();
        return false;
    }
    ++next_seq_;
    published_.store(next_seq_, std::memory_order_relaxed);
    if (ctx_.qos() != mqtt::QoS::AtMostOnce) ++unacked_;
    stats_.sent.add();
    if (ctx_.in_window(now)) stats_.sent_measured.add();
    return true;
}

void Publisher::pump() {
    if (!started_ || !ctx_.publishing() || !client_->connected()) return;
    for (;;) {
        if (!ack_window_open()) return;  // on_ack resumes
        if (!delivery_window_open()) {
            // Announce the wait, then look again: a subscriber that credits in between sees the flag.
            blocked_.store(true, std::memory_order_seq_cst);
            if (!delivery_window_open()) return;
            blocked_.store(false, std::memory_order_relaxed);
        }
        if (!send()) return;
    }
}

void Publisher::delivered(std::uint64_t n, Worker& from) {
    progress_.fetch_add(n, std::memory_order_seq_cst);
    if (paced_ || !blocked_.load(std::memory_order_seq_cst)) return;
    if (&from == &worker_) {
        blocked_.store(false, std::memory_order_relaxed);
        pump();
    } else if (blocked_.exchange(false)) {
        worker_.post([this] { pump(); });
    }
}

void Publisher::on_ack(const client::Error& e) {
    --unacked_;
    if (e) {
        if (!ctx_.stopping()) {
            stats_.errors.add();
            ctx_.error("publisher " + std::to_string(id_) + ": " + e.message);
        }
    } else {
        stats_.acked.add();
    }
    if (!paced_) pump();
}

void Publisher::tick(std::int64_t now) {
    if (!started_ || !ctx_.publishing() || !client_->connected()) return;
    if (paced_) {
        const double elapsed = static_cast<double>(now - ctx_.start_ns() + phase_ns_) / 1e9;
        if (elapsed < 0) return;
        const auto due = static_cast<std::uint64_t>(elapsed * ctx_.options().rate) + 1;
        while (next_seq_ < due && ack_window_open()) {
            if (!send()) return;
        }
        return;
    }
    // As fast as possible: recover from a lost wake-up, and write off deliveries that never come
    // (QoS 0 loss) so the window cannot close for good.
    if (!blocked_.load(std::memory_order_relaxed)) {
        stall_since_ = 0;
        return;
    }
    const std::uint64_t progress = progress_.load(std::memory_order_relaxed);
    if (delivery_window_open()) {
        blocked_.store(false, std::memory_order_relaxed);
        pump();
        return;
    }
    if (stall_since_ == 0 || progress != stall_mark_) {
        stall_since_ = now;
        stall_mark_ = progress;
        return;
    }
    if (now - stall_since_ >= kStallNs) {
        stats_.stalls.add();
        ctx_.error("publisher " + std::to_string(id_) + ": no delivery progress for 1 s with " +
                   std::to_string(next_seq_ * deliveries_ - progress - written_off_) +
                   " deliveries outstanding; writing them off and continuing");
        written_off_ = next_seq_ * deliveries_ - progress;
        stall_since_ = 0;
        blocked_.store(false, std::memory_order_relaxed);
        pump();
    }
}

}  // namespace tapmq::cli::bench
