// The line printed to stderr every second while a benchmark runs: rates and p99 over the last
// interval, and the error counters so far.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "run_context.hpp"
#include "totals.hpp"

namespace tapmq::cli::bench {

class LiveReporter {
  public:
    LiveReporter(const RunContext& ctx, const std::vector<std::unique_ptr<Worker>>& workers);
    // Prints one line for the interval since the previous call; `phase` names the stage.
    void line(const char* phase, const std::string& extra = {});

  private:
    const RunContext& ctx_;
    const std::vector<std::unique_ptr<Worker>>& workers_;
    std::unique_ptr<Totals> previous_;
    std::int64_t previous_ns_;
};

// "12.3k", "4.56M": a rate for humans.
std::string human_count(double v);
// "850us", "1.23ms", "2.1s": a duration in ns for humans.
std::string human_ns(double ns);

}  // namespace tapmq::cli::bench
