#include "run_context.hpp"

#include <cstdio>
#include <random>

namespace tapmq::cli::bench {
namespace {

constexpr unsigned kMaxPrinted = 10;

std::string random_id() {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    return buf;
}

}  // namespace

RunContext::RunContext(const BenchOptions& o)
    : options_(o), version_(bench_version(o)), run_id_(random_id()) {}

void RunContext::set_timeline(std::int64_t start, std::int64_t measure_start,
                              std::int64_t measure_end) noexcept {
    start_.store(start, std::memory_order_relaxed);
    measure_start_.store(measure_start, std::memory_order_relaxed);
    measure_end_.store(measure_end, std::memory_order_relaxed);
}

void RunContext::fail(const std::string& what) {
    failed.fetch_add(1, std::memory_order_relaxed);
    error(what);
}

void RunContext::error(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (first_error_.empty()) first_error_ = what;
    if (printed_ < kMaxPrinted) {
        std::fprintf(stderr, "tapmq bench: %s\n", what.c_str());
        if (++printed_ == kMaxPrinted) std::fprintf(stderr, "tapmq bench: (further errors not printed)\n");
    }
}

std::string RunContext::first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
}

}  // namespace tapmq::cli::bench
