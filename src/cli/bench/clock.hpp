// The benchmark's clock, in ns: every timestamp of a run (payload send times, receive times, the
// measurement window) comes from it. On x86-64 with an invariant TSC it reads the TSC (about 10 ns,
// against 25 ns for steady_clock through the vDSO on a KVM guest: at millions of deliveries per
// second that difference is several percent of the bench's CPU), scaled by a frequency calibrated
// against steady_clock at start-up; elsewhere it is steady_clock.
#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace tapmq::cli::bench {

class BenchClock {
  public:
    // Decides TSC or steady_clock and calibrates (about 20 ms). Call once, before any thread uses it.
    static void init();

    static std::int64_t now_ns() noexcept {
#if defined(__x86_64__)
        if (tsc_)
            return base_ns_ +
                   static_cast<std::int64_t>(static_cast<double>(__rdtsc() - base_tsc_) * ns_per_tick_);
#endif
        return steady_ns();
    }

    static std::int64_t steady_ns() noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

  private:
    static inline bool tsc_ = false;
    static inline std::int64_t base_ns_ = 0;
    static inline std::uint64_t base_tsc_ = 0;
    static inline double ns_per_tick_ = 1.0;
};

}  // namespace tapmq::cli::bench
