// Plain record types stored by tapmq_persist. They know nothing of the broker's own types: the broker
// converts to and from them when it writes through to the store and when it recovers at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tapmq::persist {

// Who published a retained message, kept for check_retain_source: the publisher's user name and
// client id and the listener it came through (its name, "port 1883"), so that its write access can
// be checked again after a restart.
struct StoredSource {
    std::optional<std::string> username;
    std::string client_id;
    std::string listener;

    friend bool operator==(const StoredSource&, const StoredSource&) = default;
};

// An application message. Stored once by id (referenced from session queues by id), or inline: in the
// queue entry of the one session that first stored it, as a retained message, or as a will.
struct StoredMessage {
    std::uint64_t id = 0;
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;  // 0..2
    bool retain = false;
    std::string properties;  // MQTT 5 property block bytes, as-is
    std::optional<std::int64_t> expires_at_unix_ms;
    std::optional<StoredSource> source;  // message records only (not queue entries or wills)

    friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

// A message to be written, as views into the caller's bytes (no copy before the encoding).
struct MessageView {
    std::uint64_t id = 0;
    std::string_view topic;
    std::string_view payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string_view properties;
    std::optional<std::int64_t> expires_at_unix_ms;
    const StoredSource* source = nullptr;  // the caller's; message records only

    static MessageView of(const StoredMessage& m) noexcept {
        return {m.id,
                m.topic,
                m.payload,
                m.qos,
                m.retain,
                m.properties,
                m.expires_at_unix_ms,
                m.source ? &*m.source : nullptr};
    }
    // A copy that owns its bytes.
    StoredMessage stored() const {
        StoredMessage m{id,     std::string(topic),      std::string(payload), qos,
                        retain, std::string(properties), expires_at_unix_ms,   std::nullopt};
        if (source != nullptr) m.source = *source;
        return m;
    }
};

struct StoredSession {
    std::string client_id;
    std::uint32_t expiry_interval = 0;
    std::optional<std::int64_t> disconnected_at_unix_ms;

    friend bool operator==(const StoredSession&, const StoredSession&) = default;
};

// Stage of an outgoing message in a session's queue.
enum class OutgoingStage : std::uint8_t { Queued = 0, AwaitPuback = 1, AwaitPubrec = 2, AwaitPubcomp = 3 };

// One entry of a session's outgoing queue (queued or in flight), keyed by (client_id, seq).
struct StoredOutgoing {
    std::uint64_t message_id = 0;
    std::uint8_t qos = 0;  // 0..2
    bool retain = false;
    std::uint8_t stage = 0;  // OutgoingStage: 0 queued, 1 await PUBACK, 2 await PUBREC, 3 await PUBCOMP
    std::uint16_t packet_id = 0;
    std::vector<std::uint32_t> subscription_ids;
    std::string share;  // share name of a $share subscription, empty otherwise
    // The message itself, when this entry holds it (message_id is then 0): one record per message
    // for the usual case of a message stored for one session only.
    std::optional<StoredMessage> message;

    friend bool operator==(const StoredOutgoing&, const StoredOutgoing&) = default;
};

// An outgoing entry to be written, as views (see StoredOutgoing).
struct OutgoingView {
    std::uint64_t message_id = 0;
    std::uint8_t qos = 0;
    bool retain = false;
    std::uint8_t stage = 0;
    std::uint16_t packet_id = 0;
    std::span<const std::uint32_t> subscription_ids;
    std::string_view share;
    const MessageView* message = nullptr;

    // Views of `o`; `storage` holds the view of its inline message, if any.
    static OutgoingView of(const StoredOutgoing& o, MessageView& storage) noexcept {
        if (o.message) storage = MessageView::of(*o.message);
        return {o.message_id, o.qos,
                o.retain,     o.stage,
                o.packet_id,  o.subscription_ids,
                o.share,      o.message ? &storage : nullptr};
    }
};

// The will of a persistent session's client: waiting for its delay to pass (or for the session to
// end), or, with due_unix_ms 0, left by a client that is connected (its delay starts when the broker
// next starts, which is when that connection is known to have ended).
struct StoredWill {
    StoredMessage msg;
    std::uint32_t delay = 0;
    std::int64_t due_unix_ms = 0;                  // 0: the client is connected
    std::optional<std::uint32_t> expiry_interval;  // Message Expiry Interval, counted from publication

    friend bool operator==(const StoredWill&, const StoredWill&) = default;
};

}  // namespace tapmq::persist
