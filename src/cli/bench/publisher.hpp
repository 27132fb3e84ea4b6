// One benchmark publisher: a client that sends numbered, timestamped messages to one topic, paced
// (--rate) or as fast as its windows allow: unacknowledged PUBLISHes (QoS > 0) and undelivered
// messages as counted by the subscribers (all QoS) each stay under --inflight.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "client/options.hpp"
#include "run_context.hpp"
#include "worker.hpp"

namespace tapmq::cli::bench {

// --session-expiry on a client's CONNECT (publishers and subscribers alike).
void apply_session_expiry(const BenchOptions& o, client::ConnectOptions& c);

class Publisher {
  public:
    // `deliveries_per_message`: how many subscribers receive each message (the window's unit).
    Publisher(RunContext& ctx, Worker& worker, std::uint32_t id, std::string topic,
              unsigned deliveries_per_message);

    std::uint32_t id() const noexcept { return id_; }
    Worker& worker() noexcept { return worker_; }
    std::uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }
    unsigned deliveries_per_message() const noexcept { return deliveries_; }

    // --- on the publisher's worker thread ---
    void connect();
    void begin();                 // publishing may start
    void tick(std::int64_t now);  // paced sending, wake-up safety net, stall detection
    void stop();                  // DISCONNECT

    // --- any thread: a subscriber on `from` credits `n` deliveries of this publisher's messages ---
    void delivered(std::uint64_t n, Worker& from);

  private:
    void pump();
    bool send();
    bool ack_window_open() const noexcept;
    bool delivery_window_open() const noexcept;
    void on_ack(const client::Error& e);

    RunContext& ctx_;
    Worker& worker_;
    WorkerStats& stats_;
    const std::uint32_t id_;
    const std::string topic_;
    const unsigned deliveries_;
    const bool paced_;
    const std::uint64_t window_;
    std::string payload_;
    std::shared_ptr<client::Client> client_;
    bool started_ = false;

    std::uint64_t next_seq_ = 0;
    std::atomic<std::uint64_t> published_{0};
    std::uint64_t unacked_ = 0;
    std::int64_t phase_ns_ = 0;  // paced: where in the period this publisher sends

    // Deliveries credited by subscribers, and deliveries written off as lost after a stall.
    std::atomic<std::uint64_t> progress_{0};
    std::uint64_t written_off_ = 0;
    std::atomic<bool> blocked_{false};
    std::uint64_t stall_mark_ = 0;
    std::int64_t stall_since_ = 0;
};

}  // namespace tapmq::cli::bench
