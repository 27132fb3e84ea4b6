// The delay before each reconnection attempt: exponential from `base`, capped at `cap`, with jitter
// so that many clients dropped by one broker restart do not all come back in the same instant.
//
// Attempt n (0 for the first retry after a loss) waits nominal(n) = min(cap, base * 2^n), reduced by
// up to `jitter` of itself: a delay drawn uniformly in [nominal * (1 - jitter), nominal]. With the
// defaults (500 ms, 30 s, 0.5): 0.25-0.5 s, 0.5-1 s, 1-2 s, ... then 15-30 s. reset() after a
// connection succeeds starts again from `base`. Pure apart from its random generator, which a test
// can seed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tapmq::client {

struct BackoffOptions {
    std::chrono::milliseconds base{500};
    std::chrono::milliseconds cap{30'000};
    double jitter = 0.5;  // 0 = none (exact doubling), 1 = "full jitter" (anything from 0 to nominal)
};

class Backoff {
  public:
    explicit Backoff(BackoffOptions o = {}, std::uint64_t seed = std::random_device{}()) : o_(o), rng_(seed) {
        o_.base = std::max(o_.base, std::chrono::milliseconds(1));
        o_.cap = std::max(o_.cap, o_.base);
        o_.jitter = std::clamp(o_.jitter, 0.0, 1.0);
    }

    // The delay of attempt n before jitter.
    std::chrono::milliseconds nominal(unsigned attempt) const noexcept {
        const auto cap = o_.cap.count();
        auto d = o_.base.count();
        for (unsigned i = 0; i < attempt && d < cap; ++i)
            d *= 2;
        return std::chrono::milliseconds(std::min(d, cap));
    }

    // The delay for `attempt` given a uniform draw u in [0, 1].
    std::chrono::milliseconds delay(unsigned attempt, double u) const noexcept {
        const double n = static_cast<double>(nominal(attempt).count());
        const double d = n * (1.0 - o_.jitter * std::clamp(u, 0.0, 1.0));
        return std::chrono::milliseconds(static_cast<std::int64_t>(d + 0.5));
    }

    // The next attempt's delay; each call moves one attempt further.
    std::chrono::milliseconds next() {
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        const auto d = delay(attempt_, uniform(rng_));
        if (attempt_ < 64) ++attempt_;
        return d;
    }

    void reset() noexcept { attempt_ = 0; }
    unsigned attempt() const noexcept { return attempt_; }
    const BackoffOptions& options() const noexcept { return o_; }

  private:
    BackoffOptions o_;
    std::mt19937_64 rng_;
    unsigned attempt_ = 0;
};

}  // namespace tapmq::client
