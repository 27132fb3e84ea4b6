// One event loop on one thread. Connections are pinned to the worker that accepted them; all their
// I/O and protocol handling runs on its thread.
#pragma once

#include <memory>
#include <span>
#include <thread>
#include <vector>
#include "util/asio.hpp"

#include "mqtt/reason_code.hpp"
#include "poller.hpp"

namespace tapmq::broker {

class Connection;

class Worker {
  public:
    explicit Worker(unsigned index)
        : index_(index),
          work_(boost::asio::make_work_guard(ctx_)),
          poller_(*this, ctx_),
          sweep_timer_(ctx_),
          scratch_(new char[kScratch]) {}
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    boost::asio::io_context& context() noexcept { return ctx_; }
    // Readiness of this worker's plain TCP connections.
    Poller& poller() noexcept { return poller_; }
    unsigned index() const noexcept { return index_; }
    bool in_this_thread() noexcept { return ctx_.get_executor().running_in_this_thread(); }
    // The worker whose thread is calling (null on other threads).
    static Worker* current() noexcept { return current_; }

    void start();
    // Lets run() return once the queued work is done.
    void release();
    void stop() { ctx_.stop(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

    // Connections whose output was written to during the current loop round, flushed together at
    // its end (one write per connection per round).
    void defer_flush(std::shared_ptr<Connection> c);
    void flush_deferred();
    // A batch of ready sockets: what its handlers write is flushed at its end, all at once.
    void begin_batch() noexcept { batching_ = true; }
    void end_batch();
    // Plain TCP connections of other workers that this one delivered to: written by this worker
    // once the current batch of handlers is done (one send per connection for all the messages a
    // batch of ready sockets brought), instead of waking their own worker.
    void defer_cross_worker_flush(std::shared_ptr<Connection> c);

    // The connections living on this worker (worker thread only).
    void add(Connection* c);
    void remove(Connection* c);
    // Closes every connection here (v5 clients get DISCONNECT with `reason`).
    void kick_all(mqtt::ReasonCode reason);
    // A reload swapped listener policies: each connection here adopts its listener's new one
    // (Connection::policy_reloaded). Worker thread.
    void policy_reloaded();

    // Where plain TCP connections read (worker thread only): what a read brings is decoded from
    // here, and a connection keeps only the bytes of an incomplete packet.
    std::span<char> scratch() noexcept { return {scratch_.get(), kScratch}; }

  private:
    static constexpr std::size_t kScratch = 64 * 1024;
    static thread_local Worker* current_;
    // Keep alive and CONNECT deadlines: one timer per worker visits its connections a few times a
    // second (a timer per connection costs memory on every idle client).
    void sweep();
    // Writes the other workers' connections this one delivered to (defer_cross_worker_flush).
    void flush_cross_worker();

    unsigned index_;
    boost::asio::io_context ctx_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    std::vector<std::shared_ptr<Connection>> deferred_;
    std::vector<std::shared_ptr<Connection>> cross_worker_flushes_;
    // Unordered; each connection knows its index (no node or bucket per connection).
    std::vector<Connection*> connections_;
    Poller poller_;
    boost::asio::steady_timer sweep_timer_;
    bool released_ = false;
    bool batching_ = false;
    std::unique_ptr<char[]> scratch_;
};

}  // namespace tapmq::broker
