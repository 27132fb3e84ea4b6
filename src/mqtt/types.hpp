// Basic MQTT vocabulary shared by every part of the codec.
#pragma once

#include <cstdint>
#include <string_view>

namespace tapmq::mqtt {

enum class ProtocolVersion : std::uint8_t {
    V31 = 3,   // MQTT 3.1 ("MQIsdp")
    V311 = 4,  // MQTT 3.1.1
    V5 = 5,    // MQTT 5.0
};

enum class PacketType : std::uint8_t {
    Connect = 1,
    Connack = 2,
    Publish = 3,
    Puback = 4,
    Pubrec = 5,
    Pubrel = 6,
    Pubcomp = 7,
    Subscribe = 8,
    Suback = 9,
    Unsubscribe = 10,
    Unsuback = 11,
    Pingreq = 12,
    Pingresp = 13,
    Disconnect = 14,
    Auth = 15,
};

enum class QoS : std::uint8_t { AtMostOnce = 0, AtLeastOnce = 1, ExactlyOnce = 2 };

// Largest value a variable byte integer can hold (268,435,455), hence the largest remaining length.
inline constexpr std::uint32_t kMaxVarInt = 268'435'455;
// Largest packet the protocol allows: 1 type byte + 4 length bytes + kMaxVarInt.
inline constexpr std::uint32_t kMaxPacketSize = kMaxVarInt + 5;

std::string_view to_string(PacketType t) noexcept;
std::string_view to_string(ProtocolVersion v) noexcept;

constexpr bool is_v5(ProtocolVersion v) noexcept {
    return v == ProtocolVersion::V5;
}

}  // namespace tapmq::mqtt
