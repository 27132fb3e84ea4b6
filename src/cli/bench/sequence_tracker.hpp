// Exact bookkeeping of one publisher's sequence numbers as seen by one receiver (a subscriber, or a
// whole shared group): every number must arrive exactly once. Remembers which numbers arrived, not
// only the highest, so that a loss and a duplicate never cancel out and a late arrival is told from
// a repeat.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

namespace tapmq::cli::bench {

class SequenceTracker {
  public:
    struct Seen {
        bool duplicate = false;      // the number had arrived before
        bool out_of_order = false;   // new, but a higher number had arrived first
        std::uint64_t skipped = 0;   // numbers jumped over (not yet seen) by this arrival
        std::uint64_t advanced = 0;  // how far the highest number seen moved (window credit)
    };

    Seen record(std::uint64_t seq);
    std::uint64_t distinct() const noexcept { return distinct_; }

  private:
    std::uint64_t base_ = 0;          // every number below it has arrived
    std::uint64_t top_ = 0;           // one past the highest number seen
    std::uint64_t distinct_ = 0;      // numbers seen at least once
    std::deque<std::uint64_t> seen_;  // bit i of word w: base_ + 64 w + i has arrived
};

// A tracker that members of a shared group on different threads record into.
class SharedSequenceTracker {
  public:
    SequenceTracker::Seen record(std::uint64_t seq) {
        std::lock_guard lock(mutex_);
        return tracker_.record(seq);
    }

  private:
    std::mutex mutex_;
    SequenceTracker tracker_;
};

}  // namespace tapmq::cli::bench
