#include "connection_args.hpp"

#include <unistd.h>
#include <stdexcept>

#include "scram_auth.hpp"

namespace tapmq::cli {

std::optional<mqtt::ProtocolVersion> parse_version(const std::string& s) {
    if (s == "5" || s == "5.0" || s == "mqttv5" || s == "v5") return mqtt::ProtocolVersion::V5;
    if (s == "311" || s == "3.1.1" || s == "mqttv311" || s == "v311") return mqtt::ProtocolVersion::V311;
    if (s == "31" || s == "3.1" || s == "mqttv31" || s == "v31") return mqtt::ProtocolVersion::V31;
    return std::nullopt;
}

client::ConnectOptions to_connect_options(const ConnectionArgs& a, const std::string& default_id_prefix) {
    client::ConnectOptions o;
    auto v = parse_version(a.version);
    if (!v) throw std::invalid_argument("unknown protocol version '" + a.version + "' (use 31, 311 or 5)");
    o.version = *v;
    o.host = a.host;
    o.port = a.port;
    o.client_id = a.client_id.empty() ? default_id_prefix + std::to_string(::getpid()) : a.client_id;
    o.clean_start = !a.no_clean;
    o.keep_alive = a.keep_alive;
    if (a.auth_method.empty()) {
        o.username = a.username;
        o.password = a.password;
    } else {
        if (a.auth_method != "SCRAM-SHA-256") {
            throw std::invalid_argument("unknown authentication method '" + a.auth_method +
                                        "' (SCRAM-SHA-256 is supported)");
        }
        if (!mqtt::is_v5(o.version)) throw std::invalid_argument("--auth-method needs MQTT 5 (-V 5)");
        if (!a.username || !a.password) throw std::invalid_argument("--auth-method needs -u and -P");
        o.auth = make_scram_auth(*a.username, *a.password);  // neither goes into the CONNECT
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
    return o;
}

}  // namespace tapmq::cli
