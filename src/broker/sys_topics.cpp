#include "sys_topics.hpp"

#include <cmath>

#include "broker.hpp"
#include "metrics.hpp"

namespace tapmq::broker {

void SysTopics::set(const std::string& topic, const std::string& value) {
    auto [it, inserted] = last_.try_emplace(topic, value);
    if (!inserted) {
        if (it->second == value) return;
        it->second = value;
    }
    mqtt::Publish p;
    p.topic = topic;
    p.payload = value;
    p.retain = true;
    broker_.router().publish(nullptr, std::make_shared<Message>(p, std::nullopt));
}

void SysTopics::load(const std::string& name, std::uint64_t total, double interval_s) {
    auto& last = last_totals_[name];
    const double per_minute = interval_s > 0 ? static_cast<double>(total - last) * 60.0 / interval_s : 0.0;
    last = total;
    for (int minutes : {1, 5, 15}) {
        const std::string topic = "$SYS/broker/load/" + name + "/" + std::to_string(minutes) + "min";
        double& avg = averages_[topic];
        const double k = std::exp(-interval_s / (60.0 * minutes));
        avg = avg * k + per_minute * (1.0 - k);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", avg);
        set(topic, buf);
    }
}

void SysTopics::publish(Clock::time_point now) {
    // The same snapshot GET /metrics renders (metrics.hpp): one source for both.
    const MetricsSnapshot m = take_metrics_snapshot(broker_);
    const double interval = last_publish_ == Clock::time_point{}
                                ? 0.0
                                : std::chrono::duration<double>(now - last_publish_).count();
    last_publish_ = now;
    auto n = [](std::uint64_t v) { return std::to_string(v); };
    broker_.stats().clients_maximum.set_at_least(m.clients_maximum);
    const std::uint64_t disconnected =
        m.clients_total > m.clients_connected ? m.clients_total - m.clients_connected : 0;

    set("$SYS/broker/version", std::string("tapmq version ") + m.version);
    set("$SYS/broker/uptime", std::to_string(m.uptime_seconds) + " seconds");
    set("$SYS/broker/clients/connected", n(m.clients_connected));
    set("$SYS/broker/clients/active", n(m.clients_connected));
    set("$SYS/broker/clients/total", n(m.clients_total));
    set("$SYS/broker/clients/disconnected", n(disconnected));
    set("$SYS/broker/clients/inactive", n(disconnected));
    set("$SYS/broker/clients/maximum", n(m.clients_maximum));
    set("$SYS/broker/clients/expired", n(m.clients_expired));
    set("$SYS/broker/messages/received", n(m.messages_received));
    set("$SYS/broker/messages/sent", n(m.messages_sent));
    set("$SYS/broker/publish/messages/received", n(m.publish_received));
    set("$SYS/broker/publish/messages/sent", n(m.publish_sent));
    set("$SYS/broker/publish/messages/dropped", n(m.publish_dropped));
    set("$SYS/broker/bytes/received", n(m.bytes_received));
    set("$SYS/broker/bytes/sent", n(m.bytes_sent));
    set("$SYS/broker/subscriptions/count", n(m.subscriptions));
    set("$SYS/broker/retained messages/count", n(m.retained_messages));
    set("$SYS/broker/retained messages/bytes", n(m.retained_bytes));
    set("$SYS/broker/retained messages/dropped", n(m.retained_dropped));
    set("$SYS/broker/store/messages/count", n(m.retained_messages));
    for (const BridgeMetrics& b : m.bridges) {
        const std::string base = "$SYS/broker/bridges/" + b.name + "/";
        set(base + "connected", b.connected ? "1" : "0");
        set(base + "messages/sent", n(b.messages_out));
        set(base + "messages/received", n(b.messages_in));
        set(base + "bytes/sent", n(b.bytes_out));
        set(base + "bytes/received", n(b.bytes_in));
        set(base + "dropped", n(b.dropped));
        set(base + "waiting", n(b.waiting));
        set(base + "connects", n(b.connects));
        char rtt[32];
        std::snprintf(rtt, sizeof rtt, "%.6f", b.rtt_seconds);
        set(base + "rtt", rtt);
    }
    if (m.store) {
        // The durable store's group commit (persistence true): batches made durable, RocksDB writes
        // (and fsyncs) that carried them, bytes written, and records that never needed writing.
        set("$SYS/broker/persistence/batches", n(m.store->batches));
        set("$SYS/broker/persistence/writes", n(m.store->writes));
        set("$SYS/broker/persistence/syncs", n(m.store->syncs));
        set("$SYS/broker/persistence/bytes", n(m.store->bytes));
        set("$SYS/broker/persistence/cancelled", n(m.store->cancelled));
        set("$SYS/broker/persistence/ranges", n(m.store->ranges));
    }
    if (interval > 0) {
        load("messages/received", m.messages_received, interval);
        load("messages/sent", m.messages_sent, interval);
        load("publish/received", m.publish_received, interval);
        load("publish/sent", m.publish_sent, interval);
        load("publish/dropped", m.publish_dropped, interval);
        load("bytes/received", m.bytes_received, interval);
        load("bytes/sent", m.bytes_sent, interval);
        load("connections", m.connections_accepted, interval);
    }
}

}  // namespace tapmq::broker
