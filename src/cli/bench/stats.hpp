// Counters of one worker thread: written by that thread only, read by the reporter while it runs.
#pragma once

#include <atomic>
#include <cstdint>

#include "histogram.hpp"

namespace tapmq::cli::bench {

class Counter {
  public:
    void add(std::uint64_t n = 1) noexcept {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> v_{0};
};

struct WorkerStats {
    Counter sent;                    // PUBLISHes handed to the client
    Counter sent_measured;           // of those, sent inside the measurement window
    Counter acked;                   // PUBACK/PUBCOMP received
    Counter received;                // deliveries
    Counter received_measured;       // of those, received inside the measurement window
    Counter duplicated;              // sequence number already seen (by this subscriber, or its group)
    Counter out_of_order;            // new sequence number arriving after a higher one
    Counter gaps;                    // sequence numbers skipped (loss, or reordering later filled)
    Counter bad_payload;             // too short, or an unknown publisher
    Counter errors;                  // connections lost, PUBLISH refused
    Counter stalls;                  // publisher windows that made no progress for a second
    Counter connects;                // conn scenario: CONNACKs
    LiveHistogram latency_all;       // every delivery, for the live lines (ns)
    LiveHistogram latency_measured;  // deliveries inside the measurement window (ns)
};

}  // namespace tapmq::cli::bench
