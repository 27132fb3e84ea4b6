#include "sys_topics.hpp"

#include <cmath>

#include "broker.hpp"
#include "durability.hpp"
#include "version.hpp"

namespace tapmq::broker {
using tapmq::kVersion;

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
    Stats& s = broker_.stats();
    const double interval = last_publish_ == Clock::time_point{}
                                ? 0.0
                                : std::chrono::duration<double>(now - last_publish_).count();
    last_publish_ = now;
    auto n = [](const Stats::Counter& c) { return std::to_string(Stats::get(c)); };
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - broker_.started_at()).count();

    set("$SYS/broker/version", std::string("tapmq version ") + kVersion);
    set("$SYS/broker/uptime", std::to_string(uptime) + " seconds");
    const std::uint64_t connected = Stats::get(s.clients_connected);
    const std::uint64_t total = Stats::get(s.clients_total);
    std::uint64_t max = Stats::get(s.clients_maximum);
    if (connected > max) {
        s.clients_maximum.set_at_least(connected);
        max = connected;
    }
    set("$SYS/broker/clients/connected", std::to_string(connected));
    set("$SYS/broker/clients/active", std::to_string(connected));
    set("$SYS/broker/clients/total", std::to_string(total));
    set("$SYS/broker/clients/disconnected", std::to_string(total > connected ? total - connected : 0));
    set("$SYS/broker/clients/inactive", std::to_string(total > connected ? total - connected : 0));
    set("$SYS/broker/clients/maximum", std::to_string(max));
    set("$SYS/broker/clients/expired", n(s.clients_expired));
    set("$SYS/broker/messages/received", n(s.messages_received));
    set("$SYS/broker/messages/sent", n(s.messages_sent));
    set("$SYS/broker/publish/messages/received", n(s.publish_received));
    set("$SYS/broker/publish/messages/sent", n(s.publish_sent));
    set("$SYS/broker/publish/messages/dropped", n(s.publish_dropped));
    set("$SYS/broker/bytes/received", n(s.bytes_received));
    set("$SYS/broker/bytes/sent", n(s.bytes_sent));
    set("$SYS/broker/subscriptions/count", std::to_string(broker_.router().subscription_count()));
    set("$SYS/broker/retained messages/count", std::to_string(broker_.router().retained_count()));
    set("$SYS/broker/retained messages/bytes", std::to_string(broker_.router().retained_bytes()));
    set("$SYS/broker/retained messages/dropped", n(s.retained_dropped));
    set("$SYS/broker/store/messages/count", std::to_string(broker_.router().retained_count()));
    if (Durability* d = broker_.durability()) {
        // The durable store's group commit (persistence true): batches made durable, RocksDB writes
        // (and fsyncs) that carried them, bytes written, and records that never needed writing.
        const persist::Store::Stats st = d->store().stats();
        set("$SYS/broker/persistence/batches", std::to_string(st.batches));
        set("$SYS/broker/persistence/writes", std::to_string(st.writes));
        set("$SYS/broker/persistence/syncs", std::to_string(st.syncs));
        set("$SYS/broker/persistence/bytes", std::to_string(st.bytes));
        set("$SYS/broker/persistence/cancelled", std::to_string(st.cancelled));
        set("$SYS/broker/persistence/ranges", std::to_string(st.ranges));
    }
    if (interval > 0) {
        load("messages/received", Stats::get(s.messages_received), interval);
        load("messages/sent", Stats::get(s.messages_sent), interval);
        load("publish/received", Stats::get(s.publish_received), interval);
        load("publish/sent", Stats::get(s.publish_sent), interval);
        load("publish/dropped", Stats::get(s.publish_dropped), interval);
        load("bytes/received", Stats::get(s.bytes_received), interval);
        load("bytes/sent", Stats::get(s.bytes_sent), interval);
        load("connections", Stats::get(s.connections_accepted), interval);
    }
}

}  // namespace tapmq::broker
