#include "router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "durability.hpp"
#include "log_text.hpp"
#include "mqtt/topic.hpp"
#include "security.hpp"
#include "stats.hpp"
#include "worker.hpp"

namespace tapmq::broker {
namespace {

using Entry = SubscriptionTree<SessionPtr>::Entry;

mqtt::QoS min_qos(mqtt::QoS a, mqtt::QoS b) noexcept {
    return a < b ? a : b;
}

}  // namespace

std::size_t Router::publish(const Session* origin, const MessagePtr& msg, bool retain_available,
                            std::string_view publisher) {
    if (msg->retain && retain_available) {
        set_retained(msg, origin              ? std::string_view(origin->client_id())
                          : publisher.empty() ? std::string_view("the broker")
                                              : publisher);
    }

    // Scratch space reused by every publish on this thread: no allocation once warmed up.
    thread_local std::vector<Entry> matches;
    matches.clear();
    // A shared group's pick takes members that are connected and allowed to read the topic, in
    // turn, skipping members with a backlog while others have none. With the "local" strategy it
    // first prefers a member whose connection lives on this thread (its delivery needs no
    // cross-thread wake-up) while that member's queue is short: publishers are spread over the
    // workers and a member that falls behind stops being preferred, so the load still spreads.
    constexpr std::uint32_t kLocalBacklog = 256;
    const std::string_view topic = msg->topic();
    const void* here = local_shared_.load(std::memory_order_relaxed) ? Worker::current() : nullptr;
    subscriptions_.match(topic, matches, [topic, here](const SessionPtr& s) {
        if (!s->online() || !s->may_read(topic)) return 0;
        const std::uint32_t backlog = s->backlog();
        if (here != nullptr && s->home() == here && backlog < kLocalBacklog) return 3;
        return backlog == 0 ? 2 : 1;
    });
    if (matches.empty()) return 0;
    const bool upgrade = upgrade_qos_.load(std::memory_order_relaxed);

    // Overlapping subscriptions of one session: deliver once, at the highest granted QoS, with every
    // matching subscription identifier (spec 3.3.4).
    std::sort(matches.begin(), matches.end(),
              [](const Entry& a, const Entry& b) { return a.subscriber.get() < b.subscriber.get(); });
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < matches.size();) {
        if (matches[i].share) {
            // One member of a shared group: delivered on its own, with its group attached.
            Entry& e = matches[i++];
            Outgoing out;
            out.msg = msg;
            out.qos = upgrade ? e.options.qos : min_qos(e.options.qos, msg->qos);
            out.retain = e.options.retain_as_published && msg->retain;
            if (e.identifier != 0) out.subscription_ids.push_back(e.identifier);
            out.share = e.share;
            e.subscriber->deliver(std::move(out));
            ++delivered;
            continue;
        }
        Session* target = matches[i].subscriber.get();
        Outgoing out;
        out.msg = msg;
        bool any = false;
        mqtt::QoS qos = mqtt::QoS::AtMostOnce;
        bool retain = false;
        std::size_t j = i;
        for (; j < matches.size() && matches[j].subscriber.get() == target && !matches[j].share; ++j) {
            const auto& o = matches[j].options;
            if (o.no_local && target == origin) continue;
            any = true;
            qos = std::max(qos, o.qos);
            retain = retain || (o.retain_as_published && msg->retain);
            if (matches[j].identifier != 0) out.subscription_ids.push_back(matches[j].identifier);
        }
        if (any) {
            out.qos = upgrade ? qos : min_qos(qos, msg->qos);
            out.retain = retain;
            matches[i].subscriber->deliver(std::move(out));
            ++delivered;
        }
        i = j;
    }
    matches.clear();  // release the session references now, not at the next publish
    return delivered;
}

bool Router::subscribe(const SessionPtr& s, std::string_view filter, const SubscriptionRecord& r) {
    Entry e{s, r.options, r.identifier, nullptr};
    if (mqtt::is_shared_filter(filter)) e.share = std::make_shared<const std::string>(filter);
    bool replaced = subscriptions_.subscribe(filter, e);
    if (!replaced) Stats::add(stats_.subscriptions);
    return !replaced;
}

bool Router::unsubscribe(const SessionPtr& s, std::string_view filter) {
    bool removed = subscriptions_.unsubscribe(filter, s);
    if (removed) Stats::sub(stats_.subscriptions);
    return removed;
}

void Router::unsubscribe_all(const SessionPtr& s) {
    for (const auto& [filter, record] : s->take_subscriptions())
        unsubscribe(s, filter);
}

void Router::send_retained(const SessionPtr& s, std::string_view filter, const SubscriptionRecord& r) {
    // Shared subscriptions get no retained messages (spec 4.8.2).
    if (mqtt::is_shared_filter(filter)) return;
    std::vector<MessagePtr> found;
    retained_.match(filter, found);
    const auto now = Clock::now();
    const bool check_source = check_source_.load(std::memory_order_relaxed);
    for (auto& m : found) {
        if (m->expired(now)) continue;
        if (check_source && m->source && !m->source->can_publish(m->topic())) {
            spdlog::debug("Retained message on '{}' not sent to {}: its publisher {} may no longer write it.",
                          m->topic(), loggable(s->client_id()), loggable(m->source->client_id()));
            continue;
        }
        Outgoing out;
        out.msg = std::move(m);
        out.qos = upgrade_qos_.load(std::memory_order_relaxed) ? r.options.qos
                                                               : min_qos(r.options.qos, out.msg->qos);
        out.retain = true;  // retained messages sent on subscribe keep RETAIN set (spec 3.3.1.3)
        if (r.identifier != 0) out.subscription_ids.push_back(r.identifier);
        s->deliver(std::move(out));
    }
}

void Router::redistribute_shared(const SessionPtr& from, bool session_ends) {
    std::vector<Outgoing> keep;
    for (auto& out : from->take_shared(session_ends)) {
        const auto sf = mqtt::split_shared_filter(*out.share);
        SessionPtr target;
        for (auto& member : subscriptions_.shared_members(sf.group, sf.filter)) {
            if (member != from && member->online()) {
                target = std::move(member);
                break;
            }
        }
        if (target) {
            target->deliver(std::move(out));
        } else {
            keep.push_back(std::move(out));
        }
    }
    if (!keep.empty() && !session_ends) from->requeue_front(std::move(keep));
}

void Router::restore_retained(const MessagePtr& msg) {
    if (retained_.set(msg->topic(), msg, msg->bytes())) Stats::add(stats_.retained_messages);
}

bool Router::set_retained(const MessagePtr& msg, std::string_view who) {
    const bool sys = msg->topic().starts_with("$SYS");
    const bool persist = durability_ != nullptr && !sys;
    if (msg->publish.payload().empty()) {
        if (persist) durability_->write([&msg](persist::Batch& b) { b.erase_retained(msg->topic()); });
        if (retained_.erase(msg->topic())) Stats::sub(stats_.retained_messages);
        return true;
    }
    // The broker's own $SYS topics are neither limited nor counted (set_within: '$' topics).
    const std::uint64_t max_messages = max_retained_messages_.load(std::memory_order_relaxed);
    const std::uint64_t max_bytes = max_retained_bytes_.load(std::memory_order_relaxed);
    const auto added = retained_.set_within(msg->topic(), msg, msg->bytes(), max_messages, max_bytes);
    if (!added) {
        // The first refusal and then every 1000th are logged, so a flood does not flood the log.
        const std::uint64_t n = retained_dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
        Stats::add(stats_.retained_dropped);
        if (n % 1000 == 1) {
            spdlog::warn(
                "Not retaining message on topic '{}' from {} ({} bytes): max_retained_messages {} / "
                "max_retained_bytes {} reached ({} refused so far).",
                msg->topic(), who, msg->bytes(), max_messages, max_bytes, n);
        }
        return false;
    }
    // Written after the limit check and before anything is sent: the write-ahead scope holds the
    // acknowledgement back until it is durable (durability.hpp).
    if (persist) {
        // check_retain_source: the publisher is stored with it, to be checked after a restart too.
        std::optional<persist::StoredSource> source;
        if (msg->source)
            source = persist::StoredSource{msg->source->username(), msg->source->client_id(),
                                           msg->source->listener()};
        durability_->write([&msg, &source](persist::Batch& b) {
            auto view = Durability::to_view(*msg, 0);
            if (source) view.source = &*source;
            b.put_retained(view);
        });
    }
    if (*added) Stats::add(stats_.retained_messages);
    return true;
}

void Router::expire_retained(Clock::time_point now) {
    std::size_t n = retained_.erase_if([now](const MessagePtr& m) { return m->expired(now); });
    if (n != 0) Stats::sub(stats_.retained_messages, n);
}

}  // namespace tapmq::broker
