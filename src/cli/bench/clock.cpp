#include "clock.hpp"

#include <fstream>
#include <string>
#include <thread>

namespace tapmq::cli::bench {
namespace {

// The TSC is usable as a clock when it ticks at a constant rate and does not stop in idle states.
bool invariant_tsc() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        auto has = [&line](const char* flag) {
            return line.find(std::string(" ") + flag) != std::string::npos;
        };
        return has("constant_tsc") && has("nonstop_tsc");
    }
    return false;
}

}  // namespace

void BenchClock::init() {
#if defined(__x86_64__)
    if (!invariant_tsc()) return;
    const std::int64_t ns0 = steady_ns();
    const std::uint64_t tsc0 = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::int64_t ns1 = steady_ns();
    const std::uint64_t tsc1 = __rdtsc();
    if (tsc1 <= tsc0 || ns1 <= ns0) return;
    ns_per_tick_ = static_cast<double>(ns1 - ns0) / static_cast<double>(tsc1 - tsc0);
    base_ns_ = ns1;
    base_tsc_ = tsc1;
    tsc_ = true;
#endif
}

}  // namespace tapmq::cli::bench
