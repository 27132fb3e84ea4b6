// tapmq: the command-line tool. Subcommands: pub, sub, tap, bench, passwd, app, ctl, spy.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "args.hpp"
#include "args_passwd.hpp"
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
    TapArgs tap;
    bench::BenchOptions bench_options;
    AppArgs app_args;
    CtlArgs ctl_args;
    SpyArgs spy_args;
    auto* pub_cmd = add_pub_command(app, pub);
    auto* sub_cmd = add_sub_command(app, sub);
    auto* tap_cmd = add_tap_command(app, tap);
    auto* bench_cmd = add_bench_command(app, bench_options);
    auto* app_cmd = add_app_command(app, app_args);
    auto* ctl_cmd = add_ctl_command(app, ctl_args);
    auto* spy_cmd = add_spy_command(app, spy_args);
    tapmq::auth::PasswdArgs passwd_args;
    auto* passwd_cmd = add_passwd_command(app, passwd_args);
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
    if (tap_cmd->parsed()) return run_tap(tap);
    if (bench_cmd->parsed()) return bench::run_bench(bench_options);
    if (app_cmd->parsed()) return run_app(app_args);
    if (ctl_cmd->parsed()) return run_ctl(ctl_args);
    if (spy_cmd->parsed()) return run_spy(spy_args);
    if (passwd_cmd->parsed()) return tapmq::auth::run_passwd(passwd_args, std::cin, std::cout, std::cerr);
    return kExitUsage;
}
