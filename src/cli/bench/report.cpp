#include "report.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "live_reporter.hpp"

namespace tapmq::cli::bench {
namespace {

using nlohmann::json;

double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}
double round2(double v) {
    return static_cast<double>(static_cast<long long>(v * 100 + (v >= 0 ? 0.5 : -0.5))) / 100;
}

json latency_json(const Histogram& h) {
    return json{{"count", h.count()},
                {"min", round2(us(h.min()))},
                {"mean", round2(h.mean() / 1e3)},
                {"p50", round2(us(h.quantile(0.50)))},
                {"p90", round2(us(h.quantile(0.90)))},
                {"p99", round2(us(h.quantile(0.99)))},
                {"p999", round2(us(h.quantile(0.999)))},
                {"max", round2(us(h.max()))}};
}

json common_json(const BenchOptions& o, const std::string& run_id) {
    return json{{"scenario", o.scenario},
                {"run_id", run_id},
                {"host", o.host},
                {"port", o.port},
                {"mqtt", std::string(mqtt::to_string(bench_version(o)))},
                {"threads", o.threads},
                {"session_expiry", o.session_expiry}};
}

json cpu_json(const CpuReport& c) {
    json j{{"user_s", round2(c.self.user)},        {"sys_s", round2(c.self.sys)},
           {"wall_s", round2(c.wall_s)},           {"cores", round2(c.self_cores())},
           {"per_thread", round2(c.per_thread())}, {"bench_saturated", c.bench_saturated()}};
    return j;
}

json broker_json(const BenchOptions& o, const CpuReport& c) {
    if (o.broker_pid <= 0) return nullptr;
    json j{{"pid", o.broker_pid}};
    if (c.broker_cpu_s && c.wall_s > 0) j["cpu_cores"] = round2(*c.broker_cpu_s / c.wall_s);
    if (c.broker_rss_kb) j["rss_kb"] = *c.broker_rss_kb;
    return j;
}

void print_latency_line(const char* what, const Histogram& h) {
    std::fprintf(stderr, "  %-9s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, n=%llu)\n", what,
                 human_ns(static_cast<double>(h.quantile(0.5))).c_str(),
                 human_ns(static_cast<double>(h.quantile(0.9))).c_str(),
                 human_ns(static_cast<double>(h.quantile(0.99))).c_str(),
                 human_ns(static_cast<double>(h.quantile(0.999))).c_str(),
                 human_ns(static_cast<double>(h.max())).c_str(), human_ns(h.mean()).c_str(),
                 static_cast<unsigned long long>(h.count()));
}

void print_cpu_lines(const BenchOptions& o, const CpuReport& c) {
    std::fprintf(stderr,
                 "  bench CPU %.2f cores over %u thread(s) (%.0f%% per thread: user %.1fs, sys %.1fs)\n",
                 c.self_cores(), c.threads, c.per_thread() * 100, c.self.user, c.self.sys);
    if (c.broker_cpu_s && c.wall_s > 0) {
        std::fprintf(stderr, "  broker (pid %d) CPU %.2f cores", o.broker_pid, *c.broker_cpu_s / c.wall_s);
        if (c.broker_rss_kb) std::fprintf(stderr, ", RSS %ld KiB", *c.broker_rss_kb);
        std::fprintf(stderr, "\n");
    }
    if (c.bench_saturated()) {
        std::fprintf(stderr,
                     "  WARNING: the bench used over 90%% of a core per thread: it may be the bottleneck "
                     "(try --threads)\n");
    }
}

}  // namespace

void print_summary(const BenchOptions& o, const ThroughputResult& r) {
    const double secs = r.measured_s > 0 ? r.measured_s : 1;
    std::fprintf(stderr,
                 "\n%s: %d publisher(s) -> %d subscriber(s)%s, MQTT %s, QoS %d, %zu-byte payload, %s\n",
                 o.scenario.c_str(), o.pubs, o.subs,
                 o.shared_group.empty() ? "" : (" in $share/" + o.shared_group).c_str(),
                 std::string(mqtt::to_string(bench_version(o))).c_str(), o.qos, o.payload,
                 o.rate > 0 ? (human_count(o.rate) + " msg/s per publisher").c_str()
                            : ("as fast as possible, window " + std::to_string(o.inflight)).c_str());
    std::fprintf(stderr, "  sent      %s msg/s   (%llu in %.1f s measured; %llu over the run)\n",
                 human_count(static_cast<double>(r.sent_measured) / secs).c_str(),
                 static_cast<unsigned long long>(r.sent_measured), r.measured_s,
                 static_cast<unsigned long long>(r.published));
    std::fprintf(stderr,
                 "  received  %s msg/s   (%llu deliveries measured; %llu of %llu expected over the run)\n",
                 human_count(static_cast<double>(r.received_measured) / secs).c_str(),
                 static_cast<unsigned long long>(r.received_measured),
                 static_cast<unsigned long long>(r.received), static_cast<unsigned long long>(r.expected));
    print_latency_line("latency", r.latency);
    std::fprintf(stderr,
                 "  lost %llu (%.4f%%)  duplicated %llu  out of order %llu  errors %llu  stalls %llu%s\n",
                 static_cast<unsigned long long>(r.lost),
                 r.expected ? 100.0 * static_cast<double>(r.lost) / static_cast<double>(r.expected) : 0.0,
                 static_cast<unsigned long long>(r.duplicated),
                 static_cast<unsigned long long>(r.out_of_order), static_cast<unsigned long long>(r.errors),
                 static_cast<unsigned long long>(r.stalls), r.drained ? "" : "  (drain timed out)");
    if (r.bad_payload) {
        std::fprintf(stderr, "  %llu message(s) with a foreign payload ignored\n",
                     static_cast<unsigned long long>(r.bad_payload));
    }
    print_cpu_lines(o, r.cpu);
}

void print_json(const BenchOptions& o, const ThroughputResult& r) {
    const double secs = r.measured_s > 0 ? r.measured_s : 1;
    json j = common_json(o, r.run_id);
    j["qos"] = o.qos;
    j["payload"] = o.payload;
    j["pubs"] = o.pubs;
    j["subs"] = o.subs;
    if (!o.shared_group.empty()) j["shared_group"] = o.shared_group;
    j["rate_per_pub"] = o.rate;
    j["inflight"] = o.inflight;
    j["duration_s"] = round2(r.measured_s);
    j["warmup_s"] = o.warmup;
    j["sent"] = r.sent_measured;
    j["sent_rate"] = round2(static_cast<double>(r.sent_measured) / secs);
    j["received"] = r.received_measured;
    j["recv_rate"] = round2(static_cast<double>(r.received_measured) / secs);
    j["published_total"] = r.published;
    j["received_total"] = r.received;
    j["expected_total"] = r.expected;
    j["lost"] = r.lost;
    j["loss_pct"] = r.expected ? static_cast<double>(r.lost) * 100.0 / static_cast<double>(r.expected) : 0.0;
    j["duplicated"] = r.duplicated;
    j["out_of_order"] = r.out_of_order;
    j["errors"] = r.errors;
    j["stalls"] = r.stalls;
    j["drained"] = r.drained;
    j["latency_us"] = latency_json(r.latency);
    j["cpu"] = cpu_json(r.cpu);
    j["broker"] = broker_json(o, r.cpu);
    std::cout << j.dump() << std::endl;
}

void print_summary(const BenchOptions& o, const ConnResult& r) {
    std::fprintf(
        stderr, "\nconn: %u of %u connections open (%u failed) in %.1f s (%s conn/s), held %.1f s, MQTT %s\n",
        r.connected, r.requested, r.failed, r.connect_s,
        human_count(r.connect_s > 0 ? r.connected / r.connect_s : 0).c_str(), r.held_s,
        std::string(mqtt::to_string(bench_version(o))).c_str());
    print_latency_line("CONNACK", r.connack_latency);
    if (r.rss_before_kb && r.rss_after_kb) {
        const long grown = *r.rss_after_kb - *r.rss_before_kb;
        std::fprintf(stderr, "  broker RSS %ld KiB -> %ld KiB: %.0f bytes per connection\n", *r.rss_before_kb,
                     *r.rss_after_kb, r.connected ? static_cast<double>(grown) * 1024.0 / r.connected : 0.0);
    }
    print_cpu_lines(o, r.cpu);
}

void print_json(const BenchOptions& o, const ConnResult& r) {
    json j = common_json(o, r.run_id);
    j["connections"] = r.requested;
    j["connected"] = r.connected;
    j["failed"] = r.failed;
    j["connect_s"] = round2(r.connect_s);
    j["conn_rate"] = round2(r.connect_s > 0 ? r.connected / r.connect_s : 0);
    j["held_s"] = round2(r.held_s);
    j["connack_latency_us"] = latency_json(r.connack_latency);
    if (r.rss_before_kb) j["broker_rss_before_kb"] = *r.rss_before_kb;
    if (r.rss_after_kb) j["broker_rss_after_kb"] = *r.rss_after_kb;
    if (r.rss_before_kb && r.rss_after_kb && r.connected) {
        j["rss_per_conn_bytes"] =
            round2(static_cast<double>(*r.rss_after_kb - *r.rss_before_kb) * 1024.0 / r.connected);
    }
    j["cpu"] = cpu_json(r.cpu);
    j["broker"] = broker_json(o, r.cpu);
    std::cout << j.dump() << std::endl;
}

}  // namespace tapmq::cli::bench
