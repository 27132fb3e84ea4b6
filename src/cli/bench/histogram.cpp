#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tapmq::cli::bench {

std::size_t Histogram::index(std::uint64_t v) noexcept {
    if (v < kSub) return static_cast<std::size_t>(v);
    const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v));
    if (e > kMaxExponent) return kBuckets - 1;
    return (std::size_t{e - kSubBits + 1} << kSubBits) + ((v >> (e - kSubBits)) & (kSub - 1));
}

std::uint64_t Histogram::lowest(std::size_t i) noexcept {
    if (i < kSub) return i;
    const unsigned e = static_cast<unsigned>(i >> kSubBits) + kSubBits - 1;
    return (std::uint64_t{kSub} + (i & (kSub - 1))) << (e - kSubBits);
}

std::uint64_t Histogram::highest(std::size_t i) noexcept {
    if (i < kSub) return i;
    const unsigned e = static_cast<unsigned>(i >> kSubBits) + kSubBits - 1;
    return lowest(i) + (std::uint64_t{1} << (e - kSubBits)) - 1;
}

void Histogram::record(std::uint64_t v) noexcept {
    ++buckets_[index(v)];
    ++count_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
}

void Histogram::add(const Histogram& o) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i)
        buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
}

Histogram Histogram::since(const Histogram& earlier) const noexcept {
    Histogram d;
    for (std::size_t i = 0; i < kBuckets; ++i)
        d.buckets_[i] = buckets_[i] - earlier.buckets_[i];
    d.count_ = count_ - earlier.count_;
    d.sum_ = sum_ - earlier.sum_;
    d.min_ = min_;
    d.max_ = max_;
    // The interval's true maximum is not kept; the highest non-empty bucket bounds it.
    for (std::size_t i = kBuckets; i-- > 0;) {
        if (d.buckets_[i] != 0) {
            d.max_ = std::min(max_, highest(i));
            break;
        }
    }
    return d;
}

void Histogram::set_totals(std::uint64_t count, std::uint64_t sum, std::uint64_t min,
                           std::uint64_t max) noexcept {
    count_ = count;
    sum_ = sum;
    min_ = min;
    max_ = max;
}

std::uint64_t Histogram::quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    if (q >= 1.0) return max_;
    auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    if (target == 0) target = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= target) return std::min(highest(i), max_);
    }
    return max_;
}

void LiveHistogram::add_to(Histogram& into) const noexcept {
    Histogram h;
    for (std::size_t i = 0; i < Histogram::kBuckets; ++i)
        h.set_bucket(i, buckets_[i].load(std::memory_order_relaxed));
    h.set_totals(count_.load(std::memory_order_relaxed), sum_.load(std::memory_order_relaxed),
                 min_.load(std::memory_order_relaxed), max_.load(std::memory_order_relaxed));
    into.add(h);
}

}  // namespace tapmq::cli::bench
