#include "args.hpp"

namespace tapmq::cli {

CLI::App* add_bench_command(CLI::App& app, bench::BenchOptions& o) {
    auto* cmd = app.add_subcommand("bench", "Measure a broker: throughput, latency, loss, connections");
    cmd->footer(
        "Scenarios:\n"
        "  p2p     --pairs N publisher/subscriber pairs, each pair on its own topic (default 100)\n"
        "  fanout  --pubs P publishers on one topic, --subs S subscribers (default 2 -> 50)\n"
        "  fanin   --pubs P publishers on their own topics, --subs S subscribers on a wildcard\n"
        "          (default 100 -> 1), or with --shared GROUP in a $share group (default 4)\n"
        "  conn    open --conns N connections at --conn-rate per second and hold them for --duration;\n"
        "          with --broker-pid, report the broker's RSS growth per connection\n"
        "Output: a line per second on stderr, a summary on stderr, one JSON line on stdout.");
    cmd->add_option("scenario", o.scenario, "p2p, fanout, fanin or conn")->required();
    cmd->add_option("--host", o.host, "Broker host")->capture_default_str();
    cmd->add_option("--port", o.port, "Broker port")->capture_default_str();
    cmd->add_option("--version", o.version, "MQTT version: 311 or 5")->capture_default_str();
    cmd->add_option("--qos", o.qos, "QoS of publishes and subscriptions")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    cmd->add_option("--payload", o.payload, "Payload bytes (at least 16)")->capture_default_str();
    cmd->add_option("--pubs", o.pubs, "Publishers");
    cmd->add_option("--subs", o.subs, "Subscribers");
    cmd->add_option("--pairs", o.pairs, "p2p pairs");
    cmd->add_option("--rate", o.rate, "Messages per second per publisher (0 = as fast as the window allows)")
        ->capture_default_str();
    cmd->add_option("--inflight", o.inflight,
                    "Per publisher: most unacknowledged (QoS>0) and most undelivered messages when --rate 0")
        ->capture_default_str();
    cmd->add_option("--duration", o.duration, "Seconds measured (conn: seconds held)")->capture_default_str();
    cmd->add_option("--warmup", o.warmup, "Seconds published before measuring")->capture_default_str();
    cmd->add_option("--drain", o.drain, "Most seconds to wait for messages in flight at the end")
        ->capture_default_str();
    cmd->add_option("--threads", o.threads, "Event-loop threads")->capture_default_str();
    cmd->add_option("--shared", o.shared_group, "fanin: subscribe through $share/GROUP/");
    cmd->add_option("-u,--username", o.username, "User name");
    cmd->add_option("-P,--password", o.password, "Password");
    cmd->add_option("--keepalive", o.keep_alive, "Keep alive in seconds")->capture_default_str();
    cmd->add_option("--session-expiry", o.session_expiry,
                    "Persistent sessions kept this many seconds after disconnecting (3.1.1: clean "
                    "session 0 when not 0); 0 = clean sessions")
        ->capture_default_str();
    cmd->add_option("--topic-prefix", o.topic_prefix, "First topic level")->capture_default_str();
    cmd->add_option("--connect-timeout", o.connect_timeout, "Seconds allowed for connecting")
        ->capture_default_str();
    cmd->add_option("--conns", o.conns, "conn: connections to open")->capture_default_str();
    cmd->add_option("--conn-rate", o.conn_rate, "conn: connections opened per second")->capture_default_str();
    cmd->add_option("--broker-pid", o.broker_pid, "Broker process id (CPU and RSS from /proc)");
    cmd->add_flag("--quiet", o.quiet, "No live lines");
    return cmd;
}

}  // namespace tapmq::cli
