#include "connection_args.hpp"

#include <unistd.h>
#include <algorithm>
#include <stdexcept>

#include "client/url.hpp"
#include "scram_auth.hpp"

namespace tapmq::cli {

std::optional<mqtt::ProtocolVersion> parse_version(const std::string& s) {
    if (s == "5" || s == "5.0" || s == "mqttv5" || s == "v5") return mqtt::ProtocolVersion::V5;
    if (s == "311" || s == "3.1.1" || s == "mqttv311" || s == "v311") return mqtt::ProtocolVersion::V311;
    if (s == "31" || s == "3.1" || s == "mqttv31" || s == "v31") return mqtt::ProtocolVersion::V31;
    return std::nullopt;
}

namespace {

bool tls_files_given(const ConnectionArgs& a) {
    return !a.cafile.empty() || !a.capath.empty() || !a.cert.empty() || !a.key.empty() || a.tls_use_os_certs;
}

// Where the connection goes and over what: -L, or -h/-p with the TLS and WebSocket options.
void resolve_transport(const ConnectionArgs& a, ResolvedConnection& r) {
    auto& o = r.options;
    auto& t = r.transport;
    if (a.url) {
        client::Url url;
        try {
            url = client::parse_url(*a.url);
        } catch (const client::UrlError& e) {
            throw std::invalid_argument(std::string("-L: ") + e.what());
        }
        if (a.ws)
            throw std::invalid_argument("-L gives the transport: use a ws:// or wss:// URL instead of --ws");
        if (a.ws_path) throw std::invalid_argument("-L gives the WebSocket path: ws://host:port/path");
        if (tls_files_given(a) && !client::uses_tls(url.transport)) {
            throw std::invalid_argument(
                std::string("TLS options with a ") + client::scheme_name(url.transport) + ":// URL: use " +
                (client::uses_websocket(url.transport) ? "wss" : "mqtts") + ":// for TLS");
        }
        t.kind = url.transport;
        o.host = url.host;
        o.port = url.port;
        if (url.username) {
            o.username = url.username;
            o.password = url.password;
        }
        r.url_topic = url.topic;
        if (client::uses_websocket(url.transport)) t.ws_path = url.ws_path;
    } else {
        const bool tls = tls_files_given(a) || a.port == 8883;
        if (a.ws) {
            t.kind = tls ? client::Transport::Wss : client::Transport::Ws;
        } else {
            t.kind = tls ? client::Transport::Tls : client::Transport::Tcp;
        }
        if (a.ws_path && !a.ws) throw std::invalid_argument("--ws-path needs --ws");
        if (a.ws_path) {
            if (a.ws_path->empty() || a.ws_path->front() != '/') {
                throw std::invalid_argument("--ws-path must start with '/'");
            }
            t.ws_path = *a.ws_path;
        }
        o.host = a.host;
        o.port = a.port ? *a.port : client::default_port(t.kind);
    }
    if (!client::uses_tls(t.kind)) {
        if (a.insecure) throw std::invalid_argument("--insecure needs TLS (--cafile, --capath or mqtts://)");
        if (!a.tls_version.empty())
            throw std::invalid_argument("--tls-version needs TLS (--cafile, --capath or mqtts://)");
        if (!a.tls_alpn.empty())
            throw std::invalid_argument("--tls-alpn needs TLS (--cafile, --capath or mqtts://)");
    }
    if (!a.tls_version.empty() && client::parse_tls_version(a.tls_version) == 0) {
        throw std::invalid_argument("unknown --tls-version '" + a.tls_version +
                                    "' (use tlsv1.3, tlsv1.2 or tlsv1.1)");
    }
    if (a.cert.empty() != a.key.empty())
        throw std::invalid_argument("--cert and --key go together: give both");
    t.tls.ca_file = a.cafile;
    t.tls.ca_path = a.capath;
    t.tls.use_os_certs = a.tls_use_os_certs;
    t.tls.cert_file = a.cert;
    t.tls.key_file = a.key;
    t.tls.verify_hostname = !a.insecure;
    t.tls.min_version = a.tls_version;
    t.tls.alpn = a.tls_alpn;
    const bool ipv6 = o.host.find(':') != std::string::npos;
    r.where = std::string(client::scheme_name(t.kind)) + "://" + (ipv6 ? "[" + o.host + "]" : o.host) + ":" +
              std::to_string(o.port) + (client::uses_websocket(t.kind) ? t.ws_path : std::string());
}

}  // namespace

ResolvedConnection resolve_connection(const ConnectionArgs& a, const std::string& default_id_prefix) {
    ResolvedConnection r;
    client::ConnectOptions& o = r.options;
    auto v = parse_version(a.version);
    if (!v) throw std::invalid_argument("unknown protocol version '" + a.version + "' (use 31, 311 or 5)");
    o.version = *v;
    o.username = a.username;
    o.password = a.password;
    resolve_transport(a, r);  // -L may set the user name and password
    o.client_id = a.client_id.empty() ? default_id_prefix + std::to_string(::getpid()) : a.client_id;
    o.clean_start = !a.no_clean;
    o.keep_alive = a.keep_alive;
    if (!a.auth_method.empty()) {
        if (a.auth_method != "SCRAM-SHA-256") {
            throw std::invalid_argument("unknown authentication method '" + a.auth_method +
                                        "' (SCRAM-SHA-256 is supported)");
        }
        if (!mqtt::is_v5(o.version)) throw std::invalid_argument("--auth-method needs MQTT 5 (-V 5)");
        if (!o.username || !o.password) throw std::invalid_argument("--auth-method needs -u and -P");
        o.auth = make_scram_auth(*o.username, *o.password);  // neither goes into the CONNECT
        r.make_auth = [user = *o.username, password = *o.password] {
            return make_scram_auth(user, password);
        };
        o.username.reset();
        o.password.reset();
    }
    o.connect_timeout = std::chrono::seconds(a.connect_timeout);
    if (a.session_expiry && mqtt::is_v5(o.version)) o.properties.session_expiry_interval = *a.session_expiry;
    if (!a.will_topic.empty()) {
        client::WillOptions w;
        w.topic = a.will_topic;
        w.payload = a.will_payload;
        w.qos = static_cast<mqtt::QoS>(a.will_qos);
        w.retain = a.will_retain;
        o.will = std::move(w);
    }
    return r;
}

client::ConnectOptions to_connect_options(const ConnectionArgs& a, const std::string& default_id_prefix) {
    return resolve_connection(a, default_id_prefix).options;
}

client::StreamFactory make_stream(const ResolvedConnection& c) {
    return client::make_stream_factory(c.transport);
}

client::ReconnectOptions to_reconnect_options(const ConnectionArgs& a, const ResolvedConnection& c) {
    client::ReconnectOptions r;
    auto ms = [](double seconds) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(seconds, 0.001) * 1000.0));
    };
    r.backoff.base = ms(a.reconnect_delay);
    r.backoff.cap = ms(std::max(a.reconnect_delay_max, a.reconnect_delay));
    r.max_queued = std::max<std::size_t>(a.max_queued, 1);
    r.make_auth = c.make_auth;
    return r;
}

}  // namespace tapmq::cli
