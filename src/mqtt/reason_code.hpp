// MQTT 5 reason codes (spec 2.4). MQTT 3.x return codes are mapped onto these at the codec edge,
// so the rest of tapmq speaks one vocabulary.
#pragma once

#include <cstdint>
#include <string_view>

namespace tapmq::mqtt {

enum class ReasonCode : std::uint8_t {
    Success = 0x00,  // also Normal disconnection and Granted QoS 0
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
};

constexpr bool is_error(ReasonCode rc) noexcept {
    return static_cast<std::uint8_t>(rc) >= 0x80;
}

std::string_view to_string(ReasonCode rc) noexcept;

// MQTT 3.1/3.1.1 CONNACK return codes <-> MQTT 5 reason codes.
std::uint8_t to_v3_connack_code(ReasonCode rc) noexcept;
ReasonCode from_v3_connack_code(std::uint8_t code) noexcept;

}  // namespace tapmq::mqtt
