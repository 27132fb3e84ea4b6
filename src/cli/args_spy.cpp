// Command line of `tapmq spy` (CLI11): the connection options of `sub`, the filters, the netkey
// and project to decode with, and the output modes.
#include "args.hpp"

namespace tapmq::cli {

CLI::App* add_spy_command(CLI::App& app, SpyArgs& a) {
    auto* cmd =
        app.add_subcommand("spy",
                           "See the Taps' traffic decoded: requests, answers and round trips, status, "
                           "datalog, alarms; never publishes");
    add_connection_options(*cmd, a.conn);
    cmd->add_option("FILTER", a.filters,
                    "Topic filters (default: the root of the Taps' prefix, IOTIZE_DEV/#)");
    cmd->add_option("-t,--topic", a.filters, "Topic filter (repeatable), as FILTER");
    cmd->add_option("--prefix", a.prefix, "Topic prefix template of the Taps")->capture_default_str();
    auto* nk = cmd->add_option("--netkey", a.netkey, "Netkey to open sealed frames");
    cmd->add_option("--netkey-file", a.netkey_file, "File holding the netkey (one line)")->excludes(nk);
    cmd->add_option("--project", a.project_file,
                    "Project file naming variables (default: the Sensor Demo project)");
    auto* json = cmd->add_flag("--json", a.json, "One JSON object per message (and per alert)");
    cmd->add_option(
           "-F,--format", a.format,
           "Format each message: %t topic, %p payload, %x hex, %l length, %q QoS, %r retain, %I ISO time, "
           "%U Unix time, %s serial, %k kind, %d decoded text, %R round trip ms, %j JSON")
        ->excludes(json);
    cmd->add_flag("--summary", a.summary,
                  "Print a per-Tap table on exit (commands, responses, failures, round trips)");
    cmd->add_option("--record", a.record, "Write every message seen to FILE as JSON lines");
    cmd->add_option("--replay", a.replay, "Decode a --record FILE offline instead of connecting");
    cmd->add_option("--timeout", a.timeout, "Seconds before a request counts as unanswered")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 3600.0));
    cmd->add_option("--warn-after", a.warn_after,
                    "Unanswered requests in a row before a Tap gets the warning line")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000000u));
    cmd->add_option("--color", a.color, "Colours: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    cmd->add_option("-C,--count", a.count, "Exit after this many messages");
    cmd->add_option("-W,--duration", a.duration, "Exit after this many seconds");
    return cmd;
}

}  // namespace tapmq::cli
