#include "live_reporter.hpp"

#include <cstdio>

namespace tapmq::cli::bench {

std::string human_count(double v) {
    char buf[32];
    if (v >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    } else if (v >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    }
    return buf;
}

std::string human_ns(double ns) {
    char buf[32];
    if (ns >= 1e9) {
        std::snprintf(buf, sizeof buf, "%.2fs", ns / 1e9);
    } else if (ns >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.2fms", ns / 1e6);
    } else {
        std::snprintf(buf, sizeof buf, "%.0fus", ns / 1e3);
    }
    return buf;
}

LiveReporter::LiveReporter(const RunContext& ctx, const std::vector<std::unique_ptr<Worker>>& workers)
    : ctx_(ctx), workers_(workers), previous_(collect(workers)), previous_ns_(now_ns()) {}

void LiveReporter::line(const char* phase, const std::string& extra) {
    auto now = now_ns();
    auto current = collect(workers_);
    const double seconds = static_cast<double>(now - previous_ns_) / 1e9;
    if (!ctx_.options().quiet && seconds > 0) {
        const double sent = static_cast<double>(current->sent - previous_->sent) / seconds;
        const double received = static_cast<double>(current->received - previous_->received) / seconds;
        const Histogram interval = current->latency_all.since(previous_->latency_all);
        const double elapsed = static_cast<double>(now - ctx_.start_ns()) / 1e9;
        std::fprintf(stderr,
                     "[%5.1fs %-7s] sent %8s/s  recv %8s/s  p99 %8s  max %8s  gaps %llu  dup %llu  ooo %llu  "
                     "err %llu%s%s\n",
                     elapsed < 0 ? 0.0 : elapsed, phase, human_count(sent).c_str(),
                     human_count(received).c_str(),
                     interval.count() ? human_ns(static_cast<double>(interval.quantile(0.99))).c_str() : "-",
                     interval.count() ? human_ns(static_cast<double>(interval.max())).c_str() : "-",
                     static_cast<unsigned long long>(current->gaps),
                     static_cast<unsigned long long>(current->duplicated),
                     static_cast<unsigned long long>(current->out_of_order),
                     static_cast<unsigned long long>(current->errors + current->stalls),
                     extra.empty() ? "" : "  ", extra.c_str());
    }
    previous_ = std::move(current);
    previous_ns_ = now;
}

}  // namespace tapmq::cli::bench
