#include "args.hpp"

namespace tapmq::cli {
namespace {

// -h is the host, as in mosquitto_pub/sub; help is --help only.
void add_connection_options(CLI::App& cmd, ConnectionArgs& a) {
    cmd.set_help_flag("--help", "Print this help and exit");
    cmd.add_option("-h,--host", a.host, "Broker host")->capture_default_str();
    cmd.add_option("-p,--port", a.port, "Broker port")->capture_default_str();
    cmd.add_option("-V,--protocol-version", a.version, "MQTT version: 31, 311 or 5")->capture_default_str();
    cmd.add_option("-i,--id", a.client_id, "Client identifier (default tapmq-pub-PID / tapmq-sub-PID)");
    cmd.add_option("-u,--username", a.username, "User name");
    cmd.add_option("-P,--pw", a.password, "Password");
    cmd.add_option("--auth-method", a.auth_method,
                   "MQTT 5 enhanced authentication with -u/-P: SCRAM-SHA-256 (the password is not sent)");
    cmd.add_option("-k,--keepalive", a.keep_alive, "Keep alive in seconds (0 = none)")->capture_default_str();
    cmd.add_flag("-c,--disable-clean-session", a.no_clean, "Keep the session (clean start off)");
    cmd.add_option("-x,--session-expiry", a.session_expiry, "MQTT 5 session expiry interval in seconds");
    cmd.add_option("--will-topic", a.will_topic, "Will topic");
    cmd.add_option("--will-payload", a.will_payload, "Will payload");
    cmd.add_option("--will-qos", a.will_qos, "Will QoS")->check(CLI::Range(0, 2));
    cmd.add_flag("--will-retain", a.will_retain, "Retain the will");
    cmd.add_option("--connect-timeout", a.connect_timeout, "Seconds to wait for CONNACK")
        ->capture_default_str();
}

}  // namespace

CLI::App* add_pub_command(CLI::App& app, PubArgs& a) {
    auto* cmd = app.add_subcommand("pub", "Publish a message (like mosquitto_pub)");
    add_connection_options(*cmd, a.conn);
    cmd->add_option("-t,--topic", a.topic, "Topic to publish to")->required();
    auto* m = cmd->add_option("-m,--message", a.message, "Message payload");
    auto* f = cmd->add_option("-f,--file", a.file, "Send the content of this file as the message");
    auto* s = cmd->add_flag("-s,--stdin-file", a.from_stdin, "Send all of standard input as the message");
    auto* z = cmd->add_flag("--null-message", a.null_message, "Send a zero-length message");
    m->excludes(f)->excludes(s)->excludes(z);
    f->excludes(s)->excludes(z);
    s->excludes(z);
    cmd->add_option("-q,--qos", a.qos, "Quality of service")->check(CLI::Range(0, 2))->capture_default_str();
    cmd->add_flag("-r,--retain", a.retain, "Retain the message");
    cmd->add_option("-n,--count", a.count, "Publish the message this many times")
        ->check(CLI::Range(1u, 4'000'000'000u))
        ->capture_default_str();
    cmd->add_option("--interval", a.interval, "Seconds between messages when -n > 1");
    cmd->add_flag("--quiet", a.quiet, "Print no error messages");
    return cmd;
}

CLI::App* add_sub_command(CLI::App& app, SubArgs& a) {
    auto* cmd = app.add_subcommand("sub", "Subscribe and print messages (like mosquitto_sub)");
    add_connection_options(*cmd, a.conn);
    cmd->add_option("-t,--topic", a.topics, "Topic filter (repeatable)")->required();
    cmd->add_option("-q,--qos", a.qos, "Maximum QoS to request")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    cmd->add_flag("-v,--verbose", a.verbose, "Print the topic before each payload");
    cmd->add_flag("-N", a.no_newline, "No newline after each payload");
    cmd->add_flag("-R", a.skip_retained, "Do not print messages flagged retained (stale)");
    cmd->add_flag("--nl", a.no_local, "MQTT 5 No Local: do not receive my own messages");
    cmd->add_option("-C,--count", a.count, "Exit after receiving this many messages");
    cmd->add_option("-W,--timeout", a.timeout, "Exit after this many seconds (status 4)");
    cmd->add_flag("--quiet", a.quiet, "Print no error messages");
    return cmd;
}

}  // namespace tapmq::cli
