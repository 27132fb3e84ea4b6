// SequenceTracker: the bench's loss / duplicate / reordering verdicts must be exact, whatever mix
// of them a broker produces.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "cli/bench/sequence_tracker.hpp"

namespace tapmq::cli::bench {
namespace {

struct Totals {
    std::uint64_t duplicates = 0, out_of_order = 0, skipped = 0, advanced = 0;
};

Totals feed(SequenceTracker& t, const std::vector<std::uint64_t>& seqs) {
    Totals r;
    for (auto s : seqs) {
        auto seen = t.record(s);
        r.duplicates += seen.duplicate;
        r.out_of_order += seen.out_of_order;
        r.skipped += seen.skipped;
        r.advanced += seen.advanced;
    }
    return r;
}

TEST(SequenceTracker, InOrderStreamIsCleanAndCreditsEveryNumber) {
    SequenceTracker t;
    std::vector<std::uint64_t> seqs(1000);
    for (std::uint64_t i = 0; i < seqs.size(); ++i)
        seqs[i] = i;
    auto r = feed(t, seqs);
    EXPECT_EQ(t.distinct(), 1000u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_EQ(r.skipped, 0u);
    EXPECT_EQ(r.advanced, 1000u);
}

TEST(SequenceTracker, LossIsAGapThatStaysOpen) {
    SequenceTracker t;
    auto r = feed(t, {0, 1, 3, 4, 7});
    EXPECT_EQ(t.distinct(), 5u);  // 2, 5 and 6 lost: 8 expected - 5 distinct = 3
    EXPECT_EQ(r.skipped, 3u);
    EXPECT_EQ(r.advanced, 8u);  // the window still moves past the loss
    EXPECT_EQ(r.duplicates, 0u);
}

TEST(SequenceTracker, LateArrivalIsOutOfOrderNotDuplicate) {
    SequenceTracker t;
    auto r = feed(t, {0, 2, 1, 3});
    EXPECT_EQ(r.out_of_order, 1u);
    EXPECT_EQ(r.duplicates, 0u);
    EXPECT_EQ(t.distinct(), 4u);
}

TEST(SequenceTracker, RepeatInsideAGapIsADuplicate) {
    // 1 is lost; 0 arrives again while the gap is open: a duplicate, and the loss is still counted.
    SequenceTracker t;
    auto r = feed(t, {0, 2, 3, 0});
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_EQ(r.out_of_order, 0u);
    EXPECT_EQ(t.distinct(), 3u);
}

TEST(SequenceTracker, LossAndDuplicatesDoNotCancel) {
    SequenceTracker t;
    // 0..99 with every 7th lost and every 5th sent twice.
    std::vector<std::uint64_t> seqs;
    std::uint64_t lost = 0, dups = 0;
    for (std::uint64_t i = 0; i < 100; ++i) {
        if (i % 7 == 3) {
            ++lost;
            continue;
        }
        seqs.push_back(i);
        if (i % 5 == 0) {
            seqs.push_back(i);
            ++dups;
        }
    }
    auto r = feed(t, seqs);
    EXPECT_EQ(r.duplicates, dups);
    EXPECT_EQ(100 - t.distinct(), lost);
}

TEST(SequenceTracker, RandomisedAgainstASet) {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 50; ++round) {
        SequenceTracker t;
        std::set<std::uint64_t> seen;
        std::uint64_t top = 0, dups = 0, ooo = 0;
        for (int i = 0; i < 3000; ++i) {
            // Mostly ascending with jumps back (reordering / repeats) and ahead (loss).
            std::uint64_t s = top + rng() % 3;
            if (rng() % 4 == 0 && top > 0) s = rng() % top;
            auto v = t.record(s);
            const bool dup = !seen.insert(s).second;
            EXPECT_EQ(v.duplicate, dup);
            if (dup) {
                ++dups;
            } else if (s + 1 <= top) {
                ++ooo;
                EXPECT_TRUE(v.out_of_order);
            }
            top = std::max(top, s + 1);
        }
        EXPECT_EQ(t.distinct(), seen.size());
    }
}

}  // namespace
}  // namespace tapmq::cli::bench
