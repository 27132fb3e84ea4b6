#include "encoder.hpp"

#include <stdexcept>
#include <string>

#include "packet_codec.hpp"

namespace tapmq::mqtt {
namespace {

std::uint8_t first_byte(const Packet& p) noexcept {
    auto type = static_cast<std::uint8_t>(static_cast<unsigned>(packet_type(p)) << 4);
    if (const auto* pub = std::get_if<Publish>(&p))
        return type | detail::publish_flags(pub->dup, pub->qos, pub->retain);
    switch (packet_type(p)) {
        case PacketType::Pubrel:
        case PacketType::Subscribe:
        case PacketType::Unsubscribe:
            return type | 0x02;
        default:
            return type;
    }
}

std::size_t body_size(const Packet& p, ProtocolVersion v) {
    return std::visit([v](const auto& pkt) { return detail::body_size(pkt, v); }, p);
}

std::size_t encoded_size_with_body(std::size_t body) {
    if (body > kMaxVarInt) {
        throw std::length_error("packet too large: remaining length " + std::to_string(body) +
                                " exceeds the MQTT maximum of 268,435,455 bytes");
    }
    return 1 + varint_size(body) + body;
}

char* write_packet(const Packet& p, ProtocolVersion v, std::size_t body, char* out) {
    ByteWriter w(out, encoded_size_with_body(body));
    w.u8(first_byte(p));
    w.varint(static_cast<std::uint32_t>(body));
    std::visit([v, &w](const auto& pkt) { detail::write_body(pkt, v, w); }, p);
    return w.position();
}

}  // namespace

std::size_t encoded_size(const Packet& p, ProtocolVersion v) {
    return encoded_size_with_body(body_size(p, v));
}

char* encode_into(const Packet& p, ProtocolVersion v, char* out) {
    return write_packet(p, v, body_size(p, v), out);
}

void encode_append(const Packet& p, ProtocolVersion v, std::string& out) {
    std::size_t body = body_size(p, v);
    std::size_t old = out.size();
    out.resize(old + encoded_size_with_body(body));
    write_packet(p, v, body, out.data() + old);
}

std::string encode(const Packet& p, ProtocolVersion v) {
    std::string out;
    encode_append(p, v, out);
    return out;
}

}  // namespace tapmq::mqtt
