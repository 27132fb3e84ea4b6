// Command-line definitions (CLI11) of each subcommand; the only place that knows CLI11 besides main.
#pragma once

#include <CLI/CLI.hpp>

#include "app.hpp"
#include "bench/bench_options.hpp"
#include "ctl/ctl.hpp"
#include "pub.hpp"
#include "spy/spy.hpp"
#include "sub.hpp"
#include "tap.hpp"

namespace tapmq::cli {

// The connection options shared by pub, sub and tap (mosquitto_pub/sub's), defined in args_pubsub.cpp.
void add_connection_options(CLI::App& cmd, ConnectionArgs& a);

CLI::App* add_pub_command(CLI::App& app, PubArgs& args);
CLI::App* add_sub_command(CLI::App& app, SubArgs& args);
CLI::App* add_tap_command(CLI::App& app, TapArgs& args);
CLI::App* add_bench_command(CLI::App& app, bench::BenchOptions& o);
CLI::App* add_app_command(CLI::App& app, AppArgs& args);
CLI::App* add_ctl_command(CLI::App& app, CtlArgs& args);
CLI::App* add_spy_command(CLI::App& app, SpyArgs& args);

}  // namespace tapmq::cli
