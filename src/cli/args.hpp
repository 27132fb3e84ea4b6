// Command-line definitions (CLI11) of each subcommand; the only place that knows CLI11 besides main.
#pragma once

#include <CLI/CLI.hpp>

#include "app.hpp"
#include "bench/bench_options.hpp"
#include "pub.hpp"
#include "sub.hpp"

namespace tapmq::cli {

CLI::App* add_pub_command(CLI::App& app, PubArgs& args);
CLI::App* add_sub_command(CLI::App& app, SubArgs& args);
CLI::App* add_bench_command(CLI::App& app, bench::BenchOptions& o);
CLI::App* add_app_command(CLI::App& app, AppArgs& args);

}  // namespace tapmq::cli
