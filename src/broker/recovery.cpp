#include "recovery.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "broker.hpp"
#include "durability.hpp"
#include "mqtt/byte_reader.hpp"
#include "mqtt/byte_writer.hpp"

namespace tapmq::broker {
namespace {

Clock::time_point from_unix_ms(std::int64_t ms) {
    using namespace std::chrono;
    const auto now_sys = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return Clock::now() + milliseconds(ms - now_sys);
}

std::shared_ptr<Message> to_message(const persist::StoredMessage& s) {
    // The stored property block has no length prefix; decode it as a PUBLISH's would be.
    std::string block(mqtt::varint_size(static_cast<std::uint32_t>(s.properties.size())), '\0');
    mqtt::ByteWriter w(block.data(), block.size());
    w.varint(static_cast<std::uint32_t>(s.properties.size()));
    block += s.properties;
    mqtt::ByteReader r(block);
    mqtt::Publish p;
    p.topic = s.topic;
    p.payload = s.payload;
    p.qos = static_cast<mqtt::QoS>(s.qos);
    p.retain = s.retain;
    p.properties = mqtt::decode_properties(r, mqtt::PropertyContext::Publish);
    std::optional<Clock::time_point> expires;
    if (s.expires_at_unix_ms) expires = from_unix_ms(*s.expires_at_unix_ms);
    auto m = std::make_shared<Message>(p, expires);  // copies out of `block` and `s`
    m->durable_id.store(s.id, std::memory_order_relaxed);
    return m;
}

class Loader final : public persist::Store::Visitor {
  public:
    Loader(Broker& b, RecoveryReport& r) : b_(b), r_(r) {}

    void message(persist::StoredMessage&& m) override {
        max_id_ = std::max(max_id_, m.id);
        messages_.emplace(m.id, to_message(m));
    }
    void retained(persist::StoredMessage&& m) override {
        auto msg = to_message(m);
        if (msg->expired(Clock::now())) {
            ++r_.expired;
            return;
        }
        if (m.source) msg->source = publisher(*m.source);
        b_.router().restore_retained(msg);
        ++r_.retained;
    }
    void session(persist::StoredSession&& s) override {
        auto session = b_.sessions().restore(s.client_id, b_.session_limits());
        session->set_expiry_interval(s.expiry_interval);
        // A session that was connected when the broker stopped went offline then.
        const Clock::time_point offline =
            s.disconnected_at_unix_ms ? from_unix_ms(*s.disconnected_at_unix_ms) : Clock::now();
        session->restore_offline_since(offline);
        offline_since_.emplace(s.client_id, offline);
        sessions_.emplace(s.client_id, session);
        ++r_.sessions;
    }
    void subscription(std::string_view client_id, std::string_view filter, std::uint8_t options,
                      std::uint32_t id) override {
        auto s = find(client_id);
        if (!s) return;
        SubscriptionRecord rec;
        rec.options.qos = static_cast<mqtt::QoS>(options & 0x03);
        rec.options.no_local = (options & 0x04) != 0;
        rec.options.retain_as_published = (options & 0x08) != 0;
        rec.options.retain_handling = (options >> 4) & 0x03;
        rec.identifier = id;
        s->restore_subscription(filter, rec);
        b_.router().subscribe(s, filter, rec);
        ++r_.subscriptions;
    }
    void outgoing(std::string_view client_id, std::uint64_t seq, persist::StoredOutgoing&& o) override {
        auto s = find(client_id);
        if (!s) return;
        Outgoing out;
        out.qos = static_cast<mqtt::QoS>(o.qos);
        out.retain = o.retain;
        out.subscription_ids = std::move(o.subscription_ids);
        if (!o.share.empty()) out.share = std::make_shared<const std::string>(std::move(o.share));
        out.store_key = seq;
        if (o.message) {  // held inline: this entry's own copy
            auto msg = to_message(*o.message);
            msg->durable_inline.store(true, std::memory_order_relaxed);
            out.msg = std::move(msg);
            out.stored_inline = true;
        } else if (o.stage != 3) {  // past PUBREC only the packet id matters
            auto it = messages_.find(o.message_id);
            if (it == messages_.end()) return;
            out.msg = it->second;
            out.msg->durable_refs.fetch_add(1, std::memory_order_relaxed);
        }
        s->restore_outgoing(std::move(out), o.stage, o.packet_id);
        ++r_.messages;
    }
    void incoming_qos2(std::string_view client_id, std::uint16_t packet_id) override {
        if (auto s = find(client_id)) s->restore_incoming_qos2(packet_id);
    }
    void will(std::string_view client_id, persist::StoredWill&& w) override {
        auto s = find(client_id);
        if (!s) return;
        StoredWill will;
        will.msg = std::const_pointer_cast<Message>(to_message(w.msg));
        will.expiry_interval = w.expiry_interval;
        will.delay = w.delay;
        // A will of a client that was connected when the broker stopped: its connection ended then,
        // without DISCONNECT, so its delay starts now (spec 3.1.2.5: published at the end of the
        // delay or of the session, whichever comes first; session expiry also counts from now).
        will.due = w.due_unix_ms != 0
                       ? from_unix_ms(w.due_unix_ms)
                       : offline_since_[std::string(client_id)] + std::chrono::seconds(w.delay);
        s->set_pending_will(std::move(will));
        ++r_.wills;
    }

    std::uint64_t max_id() const noexcept { return max_id_; }

  private:
    // check_retain_source after a restart: the publisher as it logged in, judged by the policy of
    // the listener of that name now (the first listener's when the configuration no longer has it).
    ClientAccessPtr publisher(const persist::StoredSource& s) const {
        const auto& all = b_.listener_settings();
        auto it = std::find_if(all.begin(), all.end(),
                               [&](const ListenerSettings& l) { return l.name == s.listener; });
        const ListenerSettings& l = it != all.end() ? *it : all.front();
        return std::make_shared<ClientAccess>(l.security, s.username, s.client_id, l.name);
    }

    SessionPtr find(std::string_view client_id) {
        auto it = sessions_.find(std::string(client_id));
        return it == sessions_.end() ? nullptr : it->second;
    }

    Broker& b_;
    RecoveryReport& r_;
    std::unordered_map<std::uint64_t, MessagePtr> messages_;
    std::unordered_map<std::string, SessionPtr> sessions_;
    std::unordered_map<std::string, Clock::time_point> offline_since_;
    std::uint64_t max_id_ = 0;
};

}  // namespace

RecoveryReport recover(Broker& broker) {
    RecoveryReport report;
    const auto start = std::chrono::steady_clock::now();
    Loader loader(broker, report);
    broker.durability()->store().load(loader);
    broker.durability()->seed_message_ids(loader.max_id());
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace tapmq::broker
