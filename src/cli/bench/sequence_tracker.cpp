#include "sequence_tracker.hpp"

namespace tapmq::cli::bench {

SequenceTracker::Seen SequenceTracker::record(std::uint64_t seq) {
    Seen s;
    if (seq < base_) {
        s.duplicate = true;
        return s;
    }
    const std::uint64_t offset = seq - base_;
    const std::uint64_t word = offset / 64;
    const std::uint64_t bit = std::uint64_t{1} << (offset % 64);
    if (word >= seen_.size()) seen_.resize(word + 1, 0);
    if ((seen_[word] & bit) != 0) {
        s.duplicate = true;
        return s;
    }
    seen_[word] |= bit;
    ++distinct_;
    if (seq + 1 <= top_) {
        s.out_of_order = true;
    } else {
        s.skipped = seq - top_;
        s.advanced = seq + 1 - top_;
        top_ = seq + 1;
    }
    // Forget whole words once every number in them has arrived.
    while (!seen_.empty() && seen_.front() == ~std::uint64_t{0}) {
        seen_.pop_front();
        base_ += 64;
    }
    return s;
}

}  // namespace tapmq::cli::bench
