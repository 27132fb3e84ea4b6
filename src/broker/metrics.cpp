// take_metrics_snapshot: reads every counter the broker keeps into one MetricsSnapshot.
#include "metrics.hpp"

#include "bridge/bridge.hpp"
#include "broker.hpp"
#include "durability.hpp"
#include "http/service.hpp"
#include "listener_settings.hpp"
#include "version.hpp"

namespace tapmq::broker {

MetricsSnapshot take_metrics_snapshot(Broker& broker) {
    const Stats& s = broker.stats();
    auto n = [](const Stats::Counter& c) { return Stats::get(c); };
    MetricsSnapshot m;
    m.version = tapmq::kVersion;
    m.uptime_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - broker.started_at()).count();
    m.clients_connected = n(s.clients_connected);
    m.clients_total = n(s.clients_total);
    m.clients_maximum = std::max(n(s.clients_maximum), m.clients_connected);
    m.clients_expired = n(s.clients_expired);
    m.connections_accepted = n(s.connections_accepted);
    m.connections_refused = n(s.connections_refused);
    m.messages_received = n(s.messages_received);
    m.messages_sent = n(s.messages_sent);
    m.publish_received = n(s.publish_received);
    m.publish_sent = n(s.publish_sent);
    m.publish_dropped = n(s.publish_dropped);
    m.messages_queued = n(s.messages_queued);
    for (std::size_t q = 0; q < 3; ++q) {
        m.publish_received_by_qos[q] = n(s.publish_received_qos[q]);
        m.publish_sent_by_qos[q] = n(s.publish_sent_qos[q]);
    }
    m.bytes_received = n(s.bytes_received);
    m.bytes_sent = n(s.bytes_sent);
    m.subscriptions = broker.router().subscription_count();
    m.retained_messages = broker.router().retained_count();
    m.retained_bytes = broker.router().retained_bytes();
    m.retained_dropped = n(s.retained_dropped);
    if (Durability* d = broker.durability()) {
        const persist::Store::Stats st = d->store().stats();
        StoreMetrics sm;
        sm.batches = st.batches;
        sm.writes = st.writes;
        sm.syncs = st.syncs;
        sm.bytes = st.bytes;
        sm.cancelled = st.cancelled;
        sm.ranges = st.ranges;
        sm.sync_seconds.bounds.assign(persist::Store::kSyncBucketSeconds.begin(),
                                      persist::Store::kSyncBucketSeconds.end());
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < st.sync_buckets.size(); ++i) {
            cumulative += st.sync_buckets[i];
            if (i < sm.sync_seconds.bounds.size()) sm.sync_seconds.counts.push_back(cumulative);
        }
        sm.sync_seconds.count = cumulative;
        sm.sync_seconds.sum = static_cast<double>(st.sync_micros) / 1e6;
        m.store = std::move(sm);
    }
    for (const ListenerSettings& l : broker.listener_settings()) {
        ListenerMetrics lm;
        lm.name = l.name;
        lm.port = l.port;
        lm.address = l.address;
        lm.protocol = l.protocol;
        lm.tls = l.tls;
        lm.connections = l.connections.load(std::memory_order_relaxed);
        lm.accepted = l.accepted.load(std::memory_order_relaxed);
        lm.refused = l.refused.load(std::memory_order_relaxed);
        if (l.http) {
            lm.http = true;
            lm.http_responses = l.http->responses_by_class();
        }
        m.listeners.push_back(std::move(lm));
    }
    for (const auto& b : broker.bridges()) {
        const auto& c = b->counters();
        BridgeMetrics bm;
        bm.name = b->config().name;
        bm.remote_clientid = b->config().remote_clientid;
        bm.connected = c.connected.load(std::memory_order_relaxed) != 0;
        bm.messages_out = c.messages_out.load(std::memory_order_relaxed);
        bm.bytes_out = c.bytes_out.load(std::memory_order_relaxed);
        bm.messages_in = c.messages_in.load(std::memory_order_relaxed);
        bm.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
        bm.dropped = c.dropped.load(std::memory_order_relaxed);
        bm.waiting = c.waiting.load(std::memory_order_relaxed);
        bm.connects = c.connects.load(std::memory_order_relaxed);
        bm.rtt_seconds = static_cast<double>(c.rtt_us.load(std::memory_order_relaxed)) / 1e6;
        m.bridges.push_back(std::move(bm));
    }
    return m;
}

}  // namespace tapmq::broker
