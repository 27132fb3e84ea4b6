// Log-bucket latency histograms (HDR-like): 64 linear sub-buckets per power of two, so any value is
// kept within 1.6 %; values up to 2^42 ns (73 minutes). Recording is an index computation and an
// increment: no allocation per sample.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace tapmq::cli::bench {

class Histogram {
  public:
    static constexpr unsigned kSubBits = 6;
    static constexpr unsigned kSub = 1u << kSubBits;
    static constexpr unsigned kMaxExponent = 42;
    static constexpr std::size_t kBuckets = (kMaxExponent - kSubBits + 2) * kSub;

    static std::size_t index(std::uint64_t v) noexcept;
    static std::uint64_t lowest(std::size_t i) noexcept;   // smallest value in bucket i
    static std::uint64_t highest(std::size_t i) noexcept;  // largest value in bucket i

    void record(std::uint64_t v) noexcept;
    void add(const Histogram& o) noexcept;
    // This minus an earlier snapshot of the same cumulative histogram (max/min stay this one's).
    Histogram since(const Histogram& earlier) const noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t max() const noexcept { return max_; }
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    double mean() const noexcept {
        return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
    }
    // The value at quantile q (0..1): the highest value equivalent to the bucket holding it, capped
    // at the maximum recorded.
    std::uint64_t quantile(double q) const noexcept;

    std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i]; }
    void set_bucket(std::size_t i, std::uint64_t n) noexcept { buckets_[i] = n; }
    void set_totals(std::uint64_t count, std::uint64_t sum, std::uint64_t min, std::uint64_t max) noexcept;

  private:
    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
};

// A histogram recorded by one thread and read by others while it runs (relaxed atomics: on x86 a
// plain load and store, no locked instruction).
class LiveHistogram {
  public:
    void record(std::uint64_t v) noexcept {
        bump(buckets_[Histogram::index(v)], 1);
        bump(count_, 1);
        bump(sum_, v);
        if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
        if (v < min_.load(std::memory_order_relaxed)) min_.store(v, std::memory_order_relaxed);
    }
    // Adds the current contents to `into`.
    void add_to(Histogram& into) const noexcept;

  private:
    static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
        a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::array<std::atomic<std::uint64_t>, Histogram::kBuckets> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_{0};
    std::atomic<std::uint64_t> min_{UINT64_MAX};
    std::atomic<std::uint64_t> max_{0};
};

}  // namespace tapmq::cli::bench
