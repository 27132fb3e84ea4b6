#include "args.hpp"

namespace tapmq::cli {

// -h is the host, as in mosquitto_pub/sub; help is --help only.
void add_connection_options(CLI::App& cmd, ConnectionArgs& a) {
    cmd.set_help_flag("--help", "Print this help and exit");
    auto* host = cmd.add_option("-h,--host", a.host, "Broker host")->capture_default_str();
    auto* port = cmd.add_option("-p,--port", a.port,
                                "Broker port (default 1883; 8883 with TLS; 80, or 443 with TLS, with --ws)");
    cmd.add_option(
           "-L,--url", a.url,
           "Broker URL instead of -h/-p: mqtt://[user[:password]@]host[:port]/topic (mqtts:// for TLS, "
           "port 8883), or ws:// / wss://host[:port][/path] for MQTT over WebSocket (ports 80/443, path "
           "/mqtt)")
        ->excludes(host)
        ->excludes(port);
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

    const char* tls = "TLS (any of these turns TLS on, as does port 8883)";
    cmd.add_option("--cafile", a.cafile,
                   "PEM file of the CA certificates trusted to sign the broker's certificate")
        ->group(tls);
    cmd.add_option("--capath", a.capath,
                   "Directory of trusted CA certificates (named by hash: openssl rehash)")
        ->group(tls);
    cmd.add_option("--cert", a.cert, "PEM client certificate, if the broker asks for one (with --key)")
        ->group(tls);
    cmd.add_option("--key", a.key, "PEM private key of --cert (unencrypted)")->group(tls);
    cmd.add_flag(
           "--tls-use-os-certs", a.tls_use_os_certs,
           "Trust the system's CA certificates too (the default when neither --cafile nor --capath is given)")
        ->group(tls);
    cmd.add_flag("--insecure", a.insecure,
                 "Do not check that the broker's certificate is issued to the host name (testing only)")
        ->group(tls);
    cmd.add_option("--tls-version", a.tls_version,
                   "Lowest TLS version: tlsv1.3, tlsv1.2 (default) or tlsv1.1")
        ->group(tls);
    cmd.add_option("--tls-alpn", a.tls_alpn, "Protocol to offer in TLS ALPN")->group(tls);
    const char* ws = "WebSocket";
    cmd.add_flag("--ws", a.ws, "MQTT over WebSocket (over TLS with the TLS options)")->group(ws);
    cmd.add_option("--ws-path", a.ws_path, "HTTP path of the WebSocket upgrade (default /mqtt)")->group(ws);
    const char* rc = "Reconnection";
    cmd.add_flag(
           "--reconnect", a.reconnect,
           "Stay connected: after a lost connection try again with back-off, keeping the session "
           "(MQTT 5: session expiry 3600 s unless -x; 3.1.1: with -c) and re-sending unacknowledged messages")
        ->group(rc);
    cmd.add_option("--reconnect-delay", a.reconnect_delay,
                   "Seconds before the first retry (doubles per attempt)")
        ->capture_default_str()
        ->group(rc);
    cmd.add_option("--reconnect-delay-max", a.reconnect_delay_max,
                   "Longest delay between attempts, in seconds")
        ->capture_default_str()
        ->group(rc);
    cmd.add_option("--max-queued", a.max_queued, "QoS 1/2 messages held while disconnected, at most")
        ->capture_default_str()
        ->group(rc);
}

CLI::App* add_pub_command(CLI::App& app, PubArgs& a) {
    auto* cmd = app.add_subcommand("pub", "Publish a message (like mosquitto_pub)");
    add_connection_options(*cmd, a.conn);
    cmd->add_option("-t,--topic", a.topic, "Topic to publish to (or the path of an mqtt:// URL)");
    auto* m = cmd->add_option("-m,--message", a.message, "Message payload");
    auto* f = cmd->add_option("-f,--file", a.file, "Send the content of this file as the message");
    auto* s = cmd->add_flag("-s,--stdin-file", a.from_stdin, "Send all of standard input as the message");
    auto* z = cmd->add_flag("--null-message", a.null_message, "Send a zero-length message");
    auto* l = cmd->add_flag("-l,--stdin-line", a.stdin_lines,
                            "Send each line of standard input as a message (empty lines are skipped)");
    m->excludes(f)->excludes(s)->excludes(z)->excludes(l);
    f->excludes(s)->excludes(z)->excludes(l);
    s->excludes(z)->excludes(l);
    z->excludes(l);
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
    cmd->add_option("-t,--topic", a.topics, "Topic filter (repeatable; an mqtt:// URL's path adds one)");
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
