// One event loop of the benchmark: an io_context on its own thread, the clients placed on it, their
// counters, and a 1 ms ticker that paces publishers.
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include "util/asio.hpp"

#include "stats.hpp"

namespace tapmq::cli::bench {

class Worker {
  public:
    using Tick = std::function<void(std::int64_t now_ns)>;

    explicit Worker(unsigned index);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    unsigned index() const noexcept { return index_; }
    boost::asio::io_context& io() noexcept { return io_; }
    WorkerStats& stats() noexcept { return stats_; }

    void start();
    template <class F>
    void post(F&& f) {
        boost::asio::post(io_, std::forward<F>(f));
    }
    // Calls `tick` every millisecond on this worker's thread until stop_ticker().
    void start_ticker(Tick tick);
    void stop_ticker();  // any thread
    // Lets run() return once no work is left; after `grace`, stops the loop outright. Joins.
    void finish(std::chrono::milliseconds grace);

  private:
    void arm();

    unsigned index_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    boost::asio::steady_timer ticker_;
    Tick tick_;
    bool ticking_ = false;
    std::thread thread_;
    std::atomic<bool> done_{false};
    WorkerStats stats_;
};

}  // namespace tapmq::cli::bench
