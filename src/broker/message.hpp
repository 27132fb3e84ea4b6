// An application message inside the broker: a PUBLISH serialised once (PublishTemplate) plus what
// routing needs. Shared, immutable, and referenced from every queue and inflight window it sits in.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mqtt/publish_template.hpp"

namespace tapmq::broker {

using Clock = std::chrono::steady_clock;
class ClientAccess;

struct Message {
    Message(const mqtt::Publish& p, std::optional<Clock::time_point> expires)
        : publish(p), qos(p.qos), retain(p.retain), expires_at(expires) {}

    mqtt::PublishTemplate publish;
    mqtt::QoS qos;
    bool retain;
    std::optional<Clock::time_point> expires_at;  // from Message Expiry Interval (set before routing)
    // Who published it (a retained message with check_retain_source true): its write access is
    // checked again each time the retained message is sent to a new subscriber. Set before routing.
    std::shared_ptr<const ClientAccess> source;

    std::string_view topic() const noexcept { return publish.topic(); }
    bool expired(Clock::time_point now) const noexcept { return expires_at && now >= *expires_at; }
    // Seconds left for the Message Expiry Interval sent onwards (spec 3.3.2.3.3).
    std::optional<std::uint32_t> remaining_expiry(Clock::time_point now) const noexcept {
        if (!expires_at) return std::nullopt;
        auto left = std::chrono::ceil<std::chrono::seconds>(*expires_at - now).count();
        return static_cast<std::uint32_t>(left > 0 ? left : 0);
    }
    std::size_t bytes() const noexcept { return publish.topic().size() + publish.payload().size(); }

    // Persistence: the message's record id and how many stored queue entries refer to it; and
    // whether a queue entry already holds it inline (only the first one stored does).
    mutable std::atomic<std::uint64_t> durable_id{0};
    mutable std::atomic<std::uint32_t> durable_refs{0};
    mutable std::atomic<bool> durable_inline{false};
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace tapmq::broker
