// tapmq: the command-line tool. Subcommands: pub, sub, bench.
#include <cstdio>

#include "args.hpp"
#include "bench/bench_options.hpp"
#include "broker/version.hpp"
#include "exit_codes.hpp"

using namespace tapmq::cli;

int main(int argc, char** argv) {
    CLI::App app{"tapmq: MQTT command-line tool"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("tapmq ") + tapmq::kVersion);
    PubArgs pub;
    SubArgs sub;
    bench::BenchOptions bench_options;
    auto* pub_cmd = add_pub_command(app, pub);
    auto* sub_cmd = add_sub_command(app, sub);
    auto* bench_cmd = add_bench_command(app, bench_options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    if (pub_cmd->parsed()) return run_pub(pub);
    if (sub_cmd->parsed()) return run_sub(sub);
    if (bench_cmd->parsed()) return bench::run_bench(bench_options);
    return kExitUsage;
}
