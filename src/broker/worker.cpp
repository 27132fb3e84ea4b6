#include "worker.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "connection.hpp"

namespace tapmq::broker {

namespace {
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
}

thread_local Worker* Worker::current_ = nullptr;

void Worker::start() {
    thread_ = std::thread([this] {
        current_ = this;
        // A handler that throws (std::bad_alloc that no connection caught, say) costs that
        // handler's work, not the worker: every other client on it goes on being served.
        for (;;) {
            try {
                ctx_.run();
                return;
            } catch (const std::exception& e) {
                spdlog::error("Worker thread: a handler failed ({}); the worker goes on.", e.what());
            }
        }
    });
    boost::asio::post(ctx_, [this] { sweep(); });
}

void Worker::release() {
    boost::asio::post(ctx_, [this] {
        released_ = true;
        sweep_timer_.cancel();
    });
    work_.reset();
}

void Worker::sweep() {
    if (released_) return;
    const auto now = std::chrono::steady_clock::now();
    // Closing a connection removes it from the set: collect the overdue ones first.
    std::vector<std::shared_ptr<Connection>> overdue;
    for (auto* c : connections_)
        if (c->overdue(now)) overdue.push_back(c->shared_from_this());
    for (auto& c : overdue)
        c->end_overdue();
    overdue.clear();
    flush_deferred();
    sweep_timer_.expires_after(kSweepInterval);
    sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) sweep();
    });
}

void Worker::add(Connection* c) {
    c->worker_slot_ = static_cast<std::uint32_t>(connections_.size());
    connections_.push_back(c);
}

void Worker::remove(Connection* c) {
    const std::uint32_t slot = c->worker_slot_;
    if (slot >= connections_.size() || connections_[slot] != c) return;  // not (or no longer) here
    connections_[slot] = connections_.back();
    connections_[slot]->worker_slot_ = slot;
    connections_.pop_back();
    // Give back the room of a crowd that has gone.
    if (connections_.capacity() > 1024 && connections_.size() < connections_.capacity() / 4) {
        connections_.shrink_to_fit();
    }
}

void Worker::defer_flush(std::shared_ptr<Connection> c) {
    deferred_.push_back(std::move(c));
}

void Worker::flush_deferred() {
    if (batching_) return;  // end_batch() flushes
    // Flushing may defer more (a flush can complete synchronously and pump a session), so swap.
    while (!deferred_.empty()) {
        std::vector<std::shared_ptr<Connection>> batch;
        batch.swap(deferred_);
        for (auto& c : batch)
            c->flush();
    }
}

void Worker::end_batch() {
    batching_ = false;
    // Deliveries to other workers' subscribers first, then this worker's own output.
    flush_cross_worker();
    flush_deferred();
}

void Worker::flush_cross_worker() {
    std::vector<std::shared_ptr<Connection>> batch;
    batch.swap(cross_worker_flushes_);
    for (auto& f : batch)
        f->flush();
}

void Worker::defer_cross_worker_flush(std::shared_ptr<Connection> c) {
    if (cross_worker_flushes_.empty() && !batching_) {
        // Outside a batch of ready sockets (a TLS or WebSocket read, a timer): runs after the
        // handlers queued now.
        boost::asio::post(ctx_, [this] { flush_cross_worker(); });
    }
    cross_worker_flushes_.push_back(std::move(c));
}

void Worker::policy_reloaded() {
    for (auto* c : connections_)
        c->policy_reloaded();  // closes nothing: the set stays as it is
}

void Worker::kick_all(mqtt::ReasonCode reason) {
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(connections_.size());
    for (auto* c : connections_)
        all.push_back(c->shared_from_this());
    for (auto& c : all)
        c->kick(reason);
}

}  // namespace tapmq::broker
