#include <cstdio>
#include <stdexcept>

#include "bench_options.hpp"
#include "clock.hpp"
#include "connection_args.hpp"
#include "exit_codes.hpp"
#include "payload.hpp"
#include "process_stats.hpp"
#include "scenarios.hpp"
#include "topology.hpp"

namespace tapmq::cli::bench {

mqtt::ProtocolVersion bench_version(const BenchOptions& o) {
    return parse_version(o.version).value_or(mqtt::ProtocolVersion::V311);
}

int run_bench(BenchOptions o) {
    try {
        if (!parse_version(o.version)) throw std::invalid_argument("unknown --version '" + o.version + "'");
        if (o.qos < 0 || o.qos > 2) throw std::invalid_argument("--qos must be 0, 1 or 2");
        if (o.payload < kPayloadHeaderSize) {
            throw std::invalid_argument("--payload must be at least " + std::to_string(kPayloadHeaderSize) +
                                        " bytes (publisher id, sequence number, timestamp)");
        }
        if (o.threads == 0) throw std::invalid_argument("--threads must be at least 1");
        if (o.inflight == 0) throw std::invalid_argument("--inflight must be at least 1");
        if (o.duration <= 0) throw std::invalid_argument("--duration must be positive");
        if (o.warmup < 0 || o.rate < 0 || o.drain < 0)
            throw std::invalid_argument("negative --warmup, --rate or --drain");
        if (o.conn_rate <= 0) throw std::invalid_argument("--conn-rate must be positive");
        apply_scenario_defaults(o);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "tapmq bench: %s\n", e.what());
        return kExitUsage;
    }
    const long files = raise_open_files_limit();
    BenchClock::init();
    if (o.scenario == "conn") {
        if (files > 0 && static_cast<long>(o.conns) + 64 > files) {
            std::fprintf(stderr,
                         "tapmq bench: warning: %u connections but only %ld open files allowed (ulimit -n)\n",
                         o.conns, files);
        }
        return run_conn(o);
    }
    return run_throughput(o);
}

}  // namespace tapmq::cli::bench
