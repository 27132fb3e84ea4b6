// Routing: the subscription tree and the retained messages, and the fan-out of one PUBLISH to every
// matching session (spec 4.7, 4.8). Called from every worker thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "message.hpp"
#include "retained_tree.hpp"
#include "session.hpp"
#include "subscription_tree.hpp"

namespace tapmq::broker {

struct Stats;

class Router {
  public:
    explicit Router(Stats& stats) : stats_(stats) {}
    void set_durability(Durability* d) noexcept { durability_ = d; }
    // shared_subscription_strategy: true for "local" (reloadable).
    void set_local_shared(bool local) noexcept { local_shared_.store(local, std::memory_order_relaxed); }
    // upgrade_outgoing_qos: deliver at the subscription's QoS, not the lower of it and the message's.
    void set_upgrade_outgoing_qos(bool on) noexcept { upgrade_qos_.store(on, std::memory_order_relaxed); }
    // check_retain_source: a retained message goes to a new subscriber only while its publisher may
    // still write its topic (Message::source; messages without one are sent).
    void set_check_retain_source(bool on) noexcept { check_source_.store(on, std::memory_order_relaxed); }
    bool check_retain_source() const noexcept { return check_source_.load(std::memory_order_relaxed); }
    // Start-up: a retained message read back from the store (not written again).
    void restore_retained(const MessagePtr& msg);

    // Delivers to every matching subscription; stores/clears the retained message when `retain`.
    // Returns the number of sessions it was delivered to. `publisher` names it in log lines when there
    // is no origin session (a will).
    std::size_t publish(const Session* origin, const MessagePtr& msg, bool retain_available = true,
                        std::string_view publisher = {});

    // Adds or replaces a subscription; returns true when it was new for this session.
    bool subscribe(const SessionPtr& s, std::string_view filter, const SubscriptionRecord& r);
    bool unsubscribe(const SessionPtr& s, std::string_view filter);
    // Removes every subscription of a session that is ending.
    void unsubscribe_all(const SessionPtr& s);
    // Sends the retained messages matching `filter` to `s` (on subscribe).
    void send_retained(const SessionPtr& s, std::string_view filter, const SubscriptionRecord& r);

    // Moves a departing shared-subscription member's messages to other connected members of their
    // groups; what no other member can take goes back to `from`.
    void redistribute_shared(const SessionPtr& from, bool session_ends);

    // Stores (or, with an empty payload, clears) the topic's retained message. A message over
    // max_retained_messages / max_retained_bytes is not retained: logged (naming `who`), counted,
    // and false is returned; it is still delivered to the current subscribers.
    bool set_retained(const MessagePtr& msg, std::string_view who = "the broker");
    // max_retained_messages / max_retained_bytes (0 = unlimited); may change while running.
    void set_retained_limits(std::uint64_t max_messages, std::uint64_t max_bytes) noexcept {
        max_retained_messages_.store(max_messages, std::memory_order_relaxed);
        max_retained_bytes_.store(max_bytes, std::memory_order_relaxed);
    }
    std::size_t retained_count() const { return retained_.size(); }
    std::size_t retained_bytes() const { return retained_.bytes(); }
    std::size_t subscription_count() const { return subscriptions_.size(); }
    // Drops expired retained messages.
    void expire_retained(Clock::time_point now);

  private:
    Stats& stats_;
    Durability* durability_ = nullptr;
    std::atomic<bool> local_shared_{false};
    std::atomic<bool> upgrade_qos_{false};
    std::atomic<bool> check_source_{false};
    SubscriptionTree<SessionPtr> subscriptions_;
    RetainedTree<MessagePtr> retained_;
    std::atomic<std::uint64_t> max_retained_messages_{0};
    std::atomic<std::uint64_t> max_retained_bytes_{0};
    std::atomic<std::uint64_t> retained_dropped_{0};  // for the log's rate limit
};

}  // namespace tapmq::broker
