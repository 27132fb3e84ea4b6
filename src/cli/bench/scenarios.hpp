// The two kinds of benchmark run.
#pragma once

#include "bench_options.hpp"

namespace tapmq::cli::bench {

int run_throughput(const BenchOptions& o);  // p2p, fanout, fanin
int run_conn(const BenchOptions& o);        // conn

}  // namespace tapmq::cli::bench
