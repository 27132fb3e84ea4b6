// The sum of every worker's counters at one moment.
#pragma once

#include <memory>
#include <vector>

#include "histogram.hpp"
#include "worker.hpp"

namespace tapmq::cli::bench {

struct Totals {
    std::uint64_t sent = 0;
    std::uint64_t sent_measured = 0;
    std::uint64_t acked = 0;
    std::uint64_t received = 0;
    std::uint64_t received_measured = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t gaps = 0;
    std::uint64_t bad_payload = 0;
    std::uint64_t errors = 0;
    std::uint64_t stalls = 0;
    std::uint64_t connects = 0;
    Histogram latency_all;
    Histogram latency_measured;
};

inline std::unique_ptr<Totals> collect(const std::vector<std::unique_ptr<Worker>>& workers) {
    auto t = std::make_unique<Totals>();
    for (const auto& w : workers) {
        const WorkerStats& s = w->stats();
        t->sent += s.sent.get();
        t->sent_measured += s.sent_measured.get();
        t->acked += s.acked.get();
        t->received += s.received.get();
        t->received_measured += s.received_measured.get();
        t->duplicated += s.duplicated.get();
        t->out_of_order += s.out_of_order.get();
        t->gaps += s.gaps.get();
        t->bad_payload += s.bad_payload.get();
        t->errors += s.errors.get();
        t->stalls += s.stalls.get();
        t->connects += s.connects.get();
        s.latency_all.add_to(t->latency_all);
        s.latency_measured.add_to(t->latency_measured);
    }
    return t;
}

}  // namespace tapmq::cli::bench
