// State shared by every worker of one benchmark run: the options, the timeline, and the counters
// the main thread waits on while connecting.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "bench_options.hpp"
#include "clock.hpp"

namespace tapmq::cli::bench {

inline std::int64_t now_ns() noexcept {
    return BenchClock::now_ns();
}

class RunContext {
  public:
    explicit RunContext(const BenchOptions& o);

    const BenchOptions& options() const noexcept { return options_; }
    mqtt::ProtocolVersion version() const noexcept { return version_; }
    mqtt::QoS qos() const noexcept { return static_cast<mqtt::QoS>(options_.qos); }
    const std::string& run_id() const noexcept { return run_id_; }

    // Timeline (ns, steady clock): publishing runs from start to measure_end; only what happens in
    // [measure_start, measure_end) is measured.
    void set_timeline(std::int64_t start, std::int64_t measure_start, std::int64_t measure_end) noexcept;
    std::int64_t start_ns() const noexcept { return start_.load(std::memory_order_relaxed); }
    std::int64_t measure_start_ns() const noexcept { return measure_start_.load(std::memory_order_relaxed); }
    std::int64_t measure_end_ns() const noexcept { return measure_end_.load(std::memory_order_relaxed); }
    bool in_window(std::int64_t t) const noexcept { return t >= measure_start_ns() && t < measure_end_ns(); }
    bool publishing() const noexcept { return publishing_.load(std::memory_order_relaxed); }
    void set_publishing(bool on) noexcept { publishing_.store(on, std::memory_order_relaxed); }
    bool stopping() const noexcept { return stopping_.load(std::memory_order_relaxed); }
    void set_stopping() noexcept { stopping_.store(true, std::memory_order_relaxed); }

    // Connection phase.
    std::atomic<unsigned> ready{0};   // clients connected (and subscribed, for subscribers)
    std::atomic<unsigned> closed{0};  // clients whose connection ended after stopping
    std::atomic<unsigned> failed{0};  // clients that could not connect or subscribe

    // Records a failure; the first few are printed, the first one is kept for the report.
    void fail(const std::string& what);
    void error(const std::string& what);  // a non-fatal error during the run (printed, first few)
    std::string first_error() const;

  private:
    const BenchOptions& options_;
    mqtt::ProtocolVersion version_;
    std::string run_id_;
    std::atomic<std::int64_t> start_{INT64_MAX};
    std::atomic<std::int64_t> measure_start_{INT64_MAX};
    std::atomic<std::int64_t> measure_end_{INT64_MAX};
    std::atomic<bool> publishing_{false};
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::string first_error_;
    unsigned printed_ = 0;
};

}  // namespace tapmq::cli::bench
