// PUBLISH (spec 3.3) and its responses PUBACK, PUBREC, PUBREL, PUBCOMP (spec 3.4-3.7) on the wire.
#include "packet_codec.hpp"
#include "topic.hpp"

namespace tapmq::mqtt::detail {

std::uint8_t publish_flags(bool dup, QoS qos, bool retain) noexcept {
    return static_cast<std::uint8_t>((dup ? 0x08 : 0) | (static_cast<unsigned>(qos) << 1) |
                                     (retain ? 0x01 : 0));
}

void decode_publish(std::uint8_t flags, ByteReader& in, ProtocolVersion v, Publish& p) {
    p.dup = (flags & 0x08) != 0;
    const std::uint8_t qos = (flags >> 1) & 0x03;
    if (qos == 3) malformed("PUBLISH with QoS 3");
    if (p.dup && qos == 0) malformed("PUBLISH with DUP set at QoS 0");
    p.qos = static_cast<QoS>(qos);
    p.retain = (flags & 0x01) != 0;
    p.topic = in.utf8();
    if (p.qos != QoS::AtMostOnce) p.packet_id = nonzero_packet_id(in);
    if (is_v5(v)) {
        decode_properties(in, PropertyContext::Publish, p.properties);
        if (p.properties.response_topic && !is_valid_topic_name(*p.properties.response_topic)) {
            protocol_error("response topic is not a valid topic name");
        }
    }
    if (p.topic.empty()) {
        if (!is_v5(v) || !p.properties.topic_alias) protocol_error("empty topic name without a topic alias");
    } else if (has_wildcard(p.topic)) {
        throw ProtocolError(ReasonCode::TopicNameInvalid, "wildcard in a topic name");
    }
    p.payload = in.rest();
}

std::size_t body_size(const Publish& p, ProtocolVersion v) {
    std::size_t n = 2 + p.topic.size() + (p.qos != QoS::AtMostOnce ? 2 : 0) + p.payload.size();
    if (is_v5(v)) n += prefixed_properties_size(p.properties);
    return n;
}

void write_body(const Publish& p, ProtocolVersion v, ByteWriter& out) {
    out.prefixed(p.topic);
    if (p.qos != QoS::AtMostOnce) out.u16(p.packet_id);
    if (is_v5(v)) write_prefixed_properties(out, p.properties);
    out.bytes(p.payload);
}

namespace {

constexpr PropertyContext context_of(PacketType t) {
    switch (t) {
        case PacketType::Puback:
            return PropertyContext::Puback;
        case PacketType::Pubrec:
            return PropertyContext::Pubrec;
        case PacketType::Pubrel:
            return PropertyContext::Pubrel;
        default:
            return PropertyContext::Pubcomp;
    }
}

}  // namespace

template <PacketType T>
void decode_publish_response(ByteReader& in, ProtocolVersion v, PublishResponse<T>& r) {
    r.packet_id = nonzero_packet_id(in);
    if (is_v5(v) && !in.empty()) {
        r.reason = static_cast<ReasonCode>(in.u8());
        if (!in.empty()) decode_properties(in, context_of(T), r.properties);
    }
}

template <PacketType T>
std::size_t body_size(const PublishResponse<T>& r, ProtocolVersion v) {
    if (!is_v5(v)) return 2;
    const bool no_props = r.properties.empty();
    if (no_props && r.reason == ReasonCode::Success) return 2;
    if (no_props) return 3;
    return 3 + prefixed_properties_size(r.properties);
}

template <PacketType T>
void write_body(const PublishResponse<T>& r, ProtocolVersion v, ByteWriter& out) {
    out.u16(r.packet_id);
    if (!is_v5(v)) return;
    const bool no_props = r.properties.empty();
    if (no_props && r.reason == ReasonCode::Success) return;
    out.u8(static_cast<std::uint8_t>(r.reason));
    if (!no_props) write_prefixed_properties(out, r.properties);
}

#define TAPMQ_INSTANTIATE(T)                                                                     \
    template void decode_publish_response<T>(ByteReader&, ProtocolVersion, PublishResponse<T>&); \
    template std::size_t body_size<T>(const PublishResponse<T>&, ProtocolVersion);               \
    template void write_body<T>(const PublishResponse<T>&, ProtocolVersion, ByteWriter&);
TAPMQ_INSTANTIATE(PacketType::Puback)
TAPMQ_INSTANTIATE(PacketType::Pubrec)
TAPMQ_INSTANTIATE(PacketType::Pubrel)
TAPMQ_INSTANTIATE(PacketType::Pubcomp)
#undef TAPMQ_INSTANTIATE

}  // namespace tapmq::mqtt::detail
