// The end of a run: a human summary on stderr and one JSON line on stdout.
#pragma once

#include <optional>
#include <string>

#include "bench_options.hpp"
#include "histogram.hpp"
#include "process_stats.hpp"

namespace tapmq::cli::bench {

// This process's CPU over the measured interval, and the broker's when its pid is known.
struct CpuReport {
    CpuTimes self;
    double wall_s = 0;
    unsigned threads = 1;
    std::optional<double> broker_cpu_s;
    std::optional<long> broker_rss_kb;

    double self_cores() const noexcept { return wall_s > 0 ? self.total() / wall_s : 0; }
    double per_thread() const noexcept { return self_cores() / threads; }
    // Above 90 % of a core per event loop, the bench itself may be what limits the figures.
    bool bench_saturated() const noexcept { return per_thread() > 0.9; }
};

struct ThroughputResult {
    std::string run_id;
    double measured_s = 0;
    std::uint64_t published = 0;          // messages sent over the whole run
    std::uint64_t sent_measured = 0;      // messages sent inside the window
    std::uint64_t received = 0;           // deliveries over the whole run
    std::uint64_t received_measured = 0;  // deliveries inside the window
    std::uint64_t expected = 0;           // deliveries the run should have produced
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t errors = 0;
    std::uint64_t stalls = 0;
    std::uint64_t bad_payload = 0;
    bool drained = true;  // every expected delivery arrived before the drain timeout
    Histogram latency;    // ns, deliveries inside the window
    CpuReport cpu;
};

struct ConnResult {
    std::string run_id;
    unsigned requested = 0;
    unsigned connected = 0;
    unsigned failed = 0;
    double connect_s = 0;  // from the first attempt until the last answer
    double held_s = 0;
    Histogram connack_latency;  // ns
    std::optional<long> rss_before_kb;
    std::optional<long> rss_after_kb;
    CpuReport cpu;
};

void print_summary(const BenchOptions& o, const ThroughputResult& r);
void print_json(const BenchOptions& o, const ThroughputResult& r);
void print_summary(const BenchOptions& o, const ConnResult& r);
void print_json(const BenchOptions& o, const ConnResult& r);

}  // namespace tapmq::cli::bench
