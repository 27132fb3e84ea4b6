#include "http/prometheus.hpp"

#include <cmath>
#include <initializer_list>
#include <utility>

#include <fmt/format.h>

namespace tapmq::broker::http {
namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string>>;

class Writer {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    template <typename V>
    void sample(std::string_view name, V value, Labels labels = {}) {
        out_ += name;
        if (labels.size() != 0) {
            out_ += '{';
            bool first = true;
            for (const auto& [k, v] : labels) {
                if (!first) out_ += ',';
                first = false;
                fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", k, escape_label_value(v));
            }
            out_ += '}';
        }
        out_ += ' ';
        if constexpr (std::is_floating_point_v<V>) {
            if (std::isinf(value)) {
                out_ += value > 0 ? "+Inf" : "-Inf";
            } else {
                fmt::format_to(std::back_inserter(out_), "{}", value);
            }
        } else {
            fmt::format_to(std::back_inserter(out_), "{}", value);
        }
        out_ += '\n';
    }
    template <typename V>
    void one(std::string_view name, std::string_view type, std::string_view help, V value) {
        family(name, type, help);
        sample(name, value);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

std::string bound(double b) {
    return fmt::format("{}", b);
}

}  // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string render_prometheus(const MetricsSnapshot& m) {
    Writer w;
    w.family("tapmq_build_info", "gauge", "tapmqd's version (the value is always 1).");
    w.sample("tapmq_build_info", 1, {{"version", m.version}});
    w.one("tapmq_uptime_seconds", "gauge", "Seconds since tapmqd started.", m.uptime_seconds);

    w.one("tapmq_clients_connected", "gauge", "MQTT clients connected now.", m.clients_connected);
    w.one("tapmq_clients_maximum", "gauge", "Most MQTT clients connected at once since start.",
          m.clients_maximum);
    w.one("tapmq_sessions", "gauge", "Sessions: connected clients and disconnected persistent sessions.",
          m.clients_total);
    w.one("tapmq_sessions_expired_total", "counter", "Persistent sessions expired.", m.clients_expired);
    w.one("tapmq_connections_accepted_total", "counter", "Connections accepted on every listener.",
          m.connections_accepted);
    w.one("tapmq_connections_refused_total", "counter",
          "Connections refused (max_connections, max_pending_handshakes).", m.connections_refused);

    w.one("tapmq_packets_received_total", "counter", "MQTT packets received, of every type.",
          m.messages_received);
    w.one("tapmq_packets_sent_total", "counter", "MQTT packets sent, of every type.", m.messages_sent);
    w.family("tapmq_publish_received_total", "counter", "PUBLISH packets received, by QoS.");
    for (std::size_t q = 0; q < 3; ++q)
        w.sample("tapmq_publish_received_total", m.publish_received_by_qos[q], {{"qos", std::to_string(q)}});
    w.family("tapmq_publish_sent_total", "counter", "PUBLISH packets sent, by QoS.");
    for (std::size_t q = 0; q < 3; ++q)
        w.sample("tapmq_publish_sent_total", m.publish_sent_by_qos[q], {{"qos", std::to_string(q)}});
    w.one(
        "tapmq_publish_dropped_total", "counter",
        "Messages dropped for queue limits (max_queued_messages, max_queued_bytes) or a full client buffer.",
        m.publish_dropped);
    w.one("tapmq_bytes_received_total", "counter", "Bytes received from clients (MQTT, as framed).",
          m.bytes_received);
    w.one("tapmq_bytes_sent_total", "counter", "Bytes sent to clients (MQTT, as framed).", m.bytes_sent);

    w.one("tapmq_subscriptions", "gauge", "Subscriptions held.", m.subscriptions);
    w.one("tapmq_messages_queued", "gauge",
          "Messages waiting in session queues for clients that are offline or whose window is full.",
          m.messages_queued);
    w.one("tapmq_retained_messages", "gauge", "Retained messages held (with the broker's $SYS topics).",
          m.retained_messages);
    w.one("tapmq_retained_bytes", "gauge", "Topic and payload bytes of the retained messages.",
          m.retained_bytes);
    w.one("tapmq_retained_dropped_total", "counter",
          "Retained PUBLISH not retained (max_retained_messages, max_retained_bytes).", m.retained_dropped);

    if (!m.bridges.empty()) {
        const auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                              auto value) {
            w.family(name, type, help);
            for (const BridgeMetrics& b : m.bridges)
                w.sample(name, value(b), {{"bridge", b.name}});
        };
        each("tapmq_bridge_connected", "gauge", "1 while the bridge's remote and local connections are up.",
             [](const BridgeMetrics& b) { return b.connected ? 1 : 0; });
        w.family("tapmq_bridge_messages_total", "counter", "Messages relayed by the bridge, by direction.");
        for (const BridgeMetrics& b : m.bridges) {
            w.sample("tapmq_bridge_messages_total", b.messages_out,
                     {{"bridge", b.name}, {"direction", "out"}});
            w.sample("tapmq_bridge_messages_total", b.messages_in, {{"bridge", b.name}, {"direction", "in"}});
        }
        w.family("tapmq_bridge_bytes_total", "counter", "Payload bytes relayed by the bridge, by direction.");
        for (const BridgeMetrics& b : m.bridges) {
            w.sample("tapmq_bridge_bytes_total", b.bytes_out, {{"bridge", b.name}, {"direction", "out"}});
            w.sample("tapmq_bridge_bytes_total", b.bytes_in, {{"bridge", b.name}, {"direction", "in"}});
        }
        each("tapmq_bridge_dropped_total", "counter",
             "Messages the other broker would not take (too large...).",
             [](const BridgeMetrics& b) { return b.dropped; });
        each("tapmq_bridge_waiting", "gauge", "Packets waiting for the other side's window.",
             [](const BridgeMetrics& b) { return b.waiting; });
        each("tapmq_bridge_connects_total", "counter", "Connections the bridge made (both sides up).",
             [](const BridgeMetrics& b) { return b.connects; });
        each("tapmq_bridge_rtt_seconds", "gauge",
             "Last round trip of a QoS 1/2 message to the remote broker and its acknowledgement.",
             [](const BridgeMetrics& b) { return b.rtt_seconds; });
    }

    if (m.store) {
        const StoreMetrics& s = *m.store;
        w.one("tapmq_store_batches_total", "counter", "Change sets made durable by the store.", s.batches);
        w.one("tapmq_store_writes_total", "counter", "RocksDB writes (each a group of change sets).",
              s.writes);
        w.one("tapmq_store_syncs_total", "counter", "Writes synced to disk (durability fsync).", s.syncs);
        w.one("tapmq_store_bytes_total", "counter", "Bytes of write batches written.", s.bytes);
        w.one("tapmq_store_cancelled_total", "counter",
              "Operations never written: created and erased in one group.", s.cancelled);
        w.one("tapmq_store_range_erases_total", "counter", "Range erases written for runs of queue erases.",
              s.ranges);
        const HistogramSnapshot& h = s.sync_seconds;
        w.family("tapmq_store_sync_seconds", "histogram",
                 "Latency of a synced store write (write and fdatasync).");
        for (std::size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i)
            w.sample("tapmq_store_sync_seconds_bucket", h.counts[i], {{"le", bound(h.bounds[i])}});
        w.sample("tapmq_store_sync_seconds_bucket", h.count, {{"le", "+Inf"}});
        w.sample("tapmq_store_sync_seconds_sum", h.sum);
        w.sample("tapmq_store_sync_seconds_count", h.count);
    }

    auto labels_of = [](const ListenerMetrics& l) {
        // Two listeners may share a port on different addresses: the address keeps their samples apart.
        return std::array<std::pair<std::string_view, std::string>, 4>{{{"listener", l.name},
                                                                        {"address", l.address},
                                                                        {"protocol", l.protocol},
                                                                        {"tls", l.tls ? "true" : "false"}}};
    };
    auto per_listener = [&](std::string_view name, std::string_view type, std::string_view help, auto field) {
        w.family(name, type, help);
        for (const ListenerMetrics& l : m.listeners) {
            const auto lab = labels_of(l);
            w.sample(name, field(l), {lab[0], lab[1], lab[2], lab[3]});
        }
    };
    per_listener("tapmq_listener_connections", "gauge", "Connections open on the listener (MQTT and HTTP).",
                 [](const ListenerMetrics& l) { return l.connections; });
    per_listener("tapmq_listener_connections_accepted_total", "counter",
                 "Connections accepted by the listener.",
                 [](const ListenerMetrics& l) { return l.accepted; });
    per_listener("tapmq_listener_connections_refused_total", "counter",
                 "Connections refused by the listener.", [](const ListenerMetrics& l) { return l.refused; });
    w.family("tapmq_listener_http_responses_total", "counter",
             "HTTP responses sent by the listener, by status class.");
    for (const ListenerMetrics& l : m.listeners) {
        if (!l.http) continue;
        const auto lab = labels_of(l);
        for (std::size_t c = 0; c < l.http_responses.size(); ++c) {
            w.sample("tapmq_listener_http_responses_total", l.http_responses[c],
                     {lab[0], lab[1], lab[2], lab[3], {"code", std::to_string(c + 1) + "xx"}});
        }
    }
    return w.take();
}

}  // namespace tapmq::broker::http
