#include "subscriber.hpp"

#include "payload.hpp"

namespace tapmq::cli::bench {

Subscriber::Subscriber(RunContext& ctx, Worker& worker, std::uint32_t id, std::string filter,
                       const std::vector<std::unique_ptr<Publisher>>& publishers,
                       std::vector<SharedSequenceTracker>* group)
    : ctx_(ctx),
      worker_(worker),
      stats_(worker.stats()),
      id_(id),
      filter_(std::move(filter)),
      publishers_(publishers),
      group_(group),
      client_(client::Client::create(worker.io())),
      own_(group ? 0 : publishers.size()),
      member_next_(group ? publishers.size() : 0, 0) {}

void Subscriber::connect() {
    const auto& o = ctx_.options();
    client::ConnectOptions c;
    c.host = o.host;
    c.port = o.port;
    c.version = ctx_.version();
    c.client_id = "tapmq-bench-" + ctx_.run_id() + "-s" + std::to_string(id_);
    c.keep_alive = o.keep_alive;
    c.username = o.username;
    c.password = o.password;
    c.connect_timeout = std::chrono::seconds(o.connect_timeout);
    apply_session_expiry(o, c);
    c.read_buffer_size = 64 * 1024;
    c.max_read_buffer_size = 1024 * 1024;

    client_->on_message([this](const mqtt::Publish& p) { on_message(p); });
    client_->on_close([this](const client::Error& e) {
        if (ctx_.stopping()) {
            ctx_.closed.fetch_add(1);
            return;
        }
        stats_.errors.add();
        ctx_.error("subscriber " + std::to_string(id_) + " lost its connection: " + e.message);
    });
    client_->connect(c, [this](const client::Error& e, const mqtt::Connack*) {
        if (ctx_.stopping()) return;
        if (e) {
            ctx_.fail("subscriber " + std::to_string(id_) + ": " + e.message);
            return;
        }
        client_->subscribe(filter_, ctx_.qos(), [this](const client::Error& e, const mqtt::Suback* ack) {
            if (e) {
                ctx_.fail("subscriber " + std::to_string(id_) + ": " + e.message);
            } else if (ack->reasons.empty() || mqtt::is_error(ack->reasons[0])) {
                auto rc = ack->reasons.empty() ? mqtt::ReasonCode::UnspecifiedError : ack->reasons[0];
                ctx_.fail(client::Error::refused(rc, "subscriber " + std::to_string(id_) +
                                                         ": SUBSCRIBE to '" + filter_ + "' refused")
                              .message);
            } else {
                ctx_.ready.fetch_add(1);
            }
        });
    });
}

void Subscriber::stop() {
    client_->disconnect();
    if (client_->closed()) ctx_.closed.fetch_add(1);
}

void Subscriber::on_message(const mqtt::Publish& p) {
    PayloadHeader h;
    if (!read_payload_header(p.payload, h) || h.publisher >= publishers_.size()) {
        stats_.bad_payload.add();
        return;
    }
    const std::int64_t now = now_ns();
    const auto latency = static_cast<std::uint64_t>(now > h.sent_ns ? now - h.sent_ns : 0);
    stats_.received.add();
    stats_.latency_all.record(latency);
    if (ctx_.in_window(now)) {
        stats_.received_measured.add();
        stats_.latency_measured.record(latency);
    }

    SequenceTracker::Seen seen;
    if (group_) {
        seen = (*group_)[h.publisher].record(h.sequence);
        // Order is only promised per member (members run side by side): judge it on this one's
        // own subsequence, not on the group's.
        std::uint64_t& next = member_next_[h.publisher];
        seen.out_of_order = !seen.duplicate && h.sequence < next;
        if (h.sequence >= next) next = h.sequence + 1;
    } else {
        seen = own_[h.publisher].record(h.sequence);
    }
    if (seen.duplicate) stats_.duplicated.add();
    if (seen.out_of_order) stats_.out_of_order.add();
    if (seen.skipped != 0) stats_.gaps.add(seen.skipped);
    // One stream per subscriber: the window counts the highest number seen, so a loss cannot close
    // it. A shared group: every new message counts once, so that members falling behind each other
    // hold the publisher back (messages queued for a slow member are undelivered).
    const std::uint64_t credit = group_ ? (seen.duplicate ? 0 : 1) : seen.advanced;
    if (credit != 0) publishers_[h.publisher]->delivered(credit, worker_);
}

}  // namespace tapmq::cli::bench
