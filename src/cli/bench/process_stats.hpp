// CPU and memory of this process and of another one (the broker, through /proc).
#pragma once

#include <optional>

namespace tapmq::cli::bench {

struct CpuTimes {
    double user = 0;  // seconds
    double sys = 0;
    double total() const noexcept { return user + sys; }
};

CpuTimes self_cpu() noexcept;                        // getrusage(RUSAGE_SELF): every thread
std::optional<double> process_cpu_seconds(int pid);  // utime + stime from /proc/PID/stat
std::optional<long> process_rss_kb(int pid);         // VmRSS from /proc/PID/status
// Raises the soft open-files limit to the hard one; returns the new soft limit.
long raise_open_files_limit() noexcept;

}  // namespace tapmq::cli::bench
