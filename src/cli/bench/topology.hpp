// Who publishes where and who listens to what, per scenario:
//   p2p     N pairs, publisher i -> PREFIX/RUN/p2p/i -> subscriber i
//   fanout  P publishers -> PREFIX/RUN/fanout -> S subscribers (each message delivered S times)
//   fanin   P publishers -> PREFIX/RUN/fanin/i -> S subscribers on PREFIX/RUN/fanin/+ (each message
//           delivered S times), or with --shared G on $share/G/PREFIX/RUN/fanin/+ (once)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_options.hpp"

namespace tapmq::cli::bench {

struct Topology {
    std::vector<std::string> publisher_topics;
    std::vector<std::string> subscriber_filters;
    unsigned deliveries_per_message = 1;  // the same for every publisher in these scenarios
    bool shared = false;
};

// Fills the scenario's defaults for pubs/subs/pairs into `o`; throws std::invalid_argument.
void apply_scenario_defaults(BenchOptions& o);
Topology make_topology(const BenchOptions& o, const std::string& run_id);

}  // namespace tapmq::cli::bench
