#include "types.hpp"

#include <array>

#include "packets.hpp"

namespace tapmq::mqtt {

std::string_view to_string(PacketType t) noexcept {
    static constexpr std::array<std::string_view, 16> kNames = {
        "RESERVED",  "CONNECT", "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",   "PUBREL",     "PUBCOMP",
        "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    auto i = static_cast<std::size_t>(t);
    return i < kNames.size() ? kNames[i] : "UNKNOWN";
}

std::string_view to_string(ProtocolVersion v) noexcept {
    switch (v) {
        case ProtocolVersion::V31:
            return "3.1";
        case ProtocolVersion::V311:
            return "3.1.1";
        case ProtocolVersion::V5:
            return "5.0";
    }
    return "unknown";
}

PacketType packet_type(const Packet& p) noexcept {
    // The variant's alternatives are declared in packet type order, CONNECT (1) first.
    return static_cast<PacketType>(p.index() + 1);
}

}  // namespace tapmq::mqtt
