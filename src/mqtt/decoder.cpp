#include "decoder.hpp"

#include "packet_codec.hpp"

namespace tapmq::mqtt {

std::optional<FixedHeader> parse_fixed_header(std::string_view buffer, std::uint32_t max_packet_size) {
    if (buffer.size() < 2) return std::nullopt;
    FixedHeader h;
    h.first_byte = static_cast<std::uint8_t>(buffer[0]);
    if ((h.first_byte >> 4) == 0) malformed("reserved packet type 0");
    std::uint32_t value = 0;
    for (std::size_t i = 1;; ++i) {
        if (i > 4) malformed("remaining length longer than 4 bytes");
        if (i >= buffer.size()) return std::nullopt;
        auto b = static_cast<std::uint8_t>(buffer[i]);
        value |= std::uint32_t{b & 0x7Fu} << (7 * (i - 1));
        if ((b & 0x80) == 0) {
            h.header_size = static_cast<std::uint8_t>(i + 1);
            break;
        }
    }
    h.remaining_length = value;
    if (h.packet_size() > max_packet_size) {
        throw ProtocolError(ReasonCode::PacketTooLarge, "packet exceeds the maximum packet size");
    }
    return h;
}

namespace {

void expect_flags(const FixedHeader& h, std::uint8_t expected) {
    if (h.flags() != expected) malformed("reserved fixed header flags");
}

}  // namespace

void decode_packet(const FixedHeader& h, std::string_view body, ProtocolVersion v, Packet& packet) {
    using namespace detail;
    ByteReader in(body);
    switch (h.type()) {
        case PacketType::Connect:
            expect_flags(h, 0);
            packet = decode_connect(in);
            break;
        case PacketType::Connack:
            expect_flags(h, 0);
            packet = decode_connack(in, v);
            break;
        case PacketType::Publish:
            decode_publish(h.flags(), in, v, packet.emplace<Publish>());
            break;
        case PacketType::Puback:
            expect_flags(h, 0);
            decode_publish_response(in, v, packet.emplace<Puback>());
            break;
        case PacketType::Pubrec:
            expect_flags(h, 0);
            decode_publish_response(in, v, packet.emplace<Pubrec>());
            break;
        case PacketType::Pubrel:
            expect_flags(h, 2);
            decode_publish_response(in, v, packet.emplace<Pubrel>());
            break;
        case PacketType::Pubcomp:
            expect_flags(h, 0);
            decode_publish_response(in, v, packet.emplace<Pubcomp>());
            break;
        case PacketType::Subscribe:
            expect_flags(h, 2);
            packet = decode_subscribe(in, v);
            break;
        case PacketType::Suback:
            expect_flags(h, 0);
            packet = decode_suback(in, v);
            break;
        case PacketType::Unsubscribe:
            expect_flags(h, 2);
            packet = decode_unsubscribe(in, v);
            break;
        case PacketType::Unsuback:
            expect_flags(h, 0);
            packet = decode_unsuback(in, v);
            break;
        case PacketType::Pingreq:
            expect_flags(h, 0);
            packet = Pingreq{};
            break;
        case PacketType::Pingresp:
            expect_flags(h, 0);
            packet = Pingresp{};
            break;
        case PacketType::Disconnect:
            expect_flags(h, 0);
            packet = decode_disconnect(in, v);
            break;
        case PacketType::Auth:
            expect_flags(h, 0);
            packet = decode_auth(in, v);
            break;
        default:
            malformed("reserved packet type");
    }
    if (!in.empty()) malformed("bytes left over after the packet");
}

Packet decode_packet(const FixedHeader& h, std::string_view body, ProtocolVersion v) {
    Packet packet;
    decode_packet(h, body, v, packet);
    return packet;
}

bool StreamDecoder::next(std::string_view& buffer, Packet& out) {
    auto header = parse_fixed_header(buffer, max_packet_size_);
    if (!header) {
        needed_ = 0;
        return false;
    }
    if (buffer.size() < header->packet_size()) {
        needed_ = header->packet_size();
        return false;
    }
    needed_ = 0;
    std::string_view body = buffer.substr(header->header_size, header->remaining_length);
    decode_packet(*header, body, version_, out);
    if (const auto* c = std::get_if<Connect>(&out)) version_ = c->version;
    buffer.remove_prefix(header->packet_size());
    return true;
}

std::optional<Packet> StreamDecoder::next(std::string_view& buffer) {
    std::optional<Packet> p(std::in_place);
    if (!next(buffer, *p)) return std::nullopt;
    return p;
}

}  // namespace tapmq::mqtt
