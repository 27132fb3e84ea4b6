// The fifteen MQTT control packets as plain structs. Decoded packets hold views into the buffer they
// were decoded from: the caller keeps those bytes alive while it uses the packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "properties.hpp"
#include "reason_code.hpp"
#include "types.hpp"

namespace tapmq::mqtt {

struct Will {
    std::string_view topic;
    std::string_view payload;
    QoS qos = QoS::AtMostOnce;
    bool retain = false;
    Properties properties;  // MQTT 5 Will Properties
    bool operator==(const Will&) const = default;
};

struct Connect {
    ProtocolVersion version = ProtocolVersion::V311;
    // 3.x only: the protocol level's 0x80 bit (Mosquitto's try_private): the client is a bridge.
    bool bridge = false;
    bool clean_start = true;  // Clean Session in 3.x
    std::uint16_t keep_alive = 60;
    std::string_view client_id;
    std::optional<Will> will;
    std::optional<std::string_view> username;
    std::optional<std::string_view> password;  // binary data
    Properties properties;
    bool operator==(const Connect&) const = default;
};

struct Connack {
    bool session_present = false;
    ReasonCode reason = ReasonCode::Success;  // 3.x return codes are mapped (see reason_code.hpp)
    Properties properties;
    bool operator==(const Connack&) const = default;
};

struct Publish {
    std::string_view topic;  // may be empty in MQTT 5 when a Topic Alias is present
    std::string_view payload;
    QoS qos = QoS::AtMostOnce;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;  // 0 at QoS 0
    Properties properties;
    bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout.
template <PacketType T>
struct PublishResponse {
    static constexpr PacketType kType = T;
    std::uint16_t packet_id = 0;
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    bool operator==(const PublishResponse&) const = default;
};
using Puback = PublishResponse<PacketType::Puback>;
using Pubrec = PublishResponse<PacketType::Pubrec>;
using Pubrel = PublishResponse<PacketType::Pubrel>;
using Pubcomp = PublishResponse<PacketType::Pubcomp>;

struct SubscriptionOptions {
    QoS qos = QoS::AtMostOnce;
    bool no_local = false;             // MQTT 5
    bool retain_as_published = false;  // MQTT 5
    std::uint8_t retain_handling = 0;  // MQTT 5: 0 send, 1 send if new, 2 never
    bool operator==(const SubscriptionOptions&) const = default;
};

struct TopicSubscription {
    std::string_view filter;
    SubscriptionOptions options;
    bool operator==(const TopicSubscription&) const = default;
};

struct Subscribe {
    std::uint16_t packet_id = 0;
    std::vector<TopicSubscription> topics;
    Properties properties;
    bool operator==(const Subscribe&) const = default;
};

struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // granted QoS 0..2 or an error (3.x: any error becomes 0x80)
    Properties properties;
    bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
    std::uint16_t packet_id = 0;
    std::vector<std::string_view> filters;
    Properties properties;
    bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback {
    std::uint16_t packet_id = 0;
    std::vector<ReasonCode> reasons;  // MQTT 5 only
    Properties properties;
    bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
    bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
    bool operator==(const Pingresp&) const = default;
};

struct Disconnect {
    ReasonCode reason = ReasonCode::Success;  // MQTT 5
    Properties properties;
    bool operator==(const Disconnect&) const = default;
};

struct Auth {
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packet_type(const Packet& p) noexcept;

}  // namespace tapmq::mqtt
