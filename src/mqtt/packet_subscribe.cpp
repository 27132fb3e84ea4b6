// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (spec 3.8-3.11) on the wire.
#include "packet_codec.hpp"
#include "topic.hpp"

namespace tapmq::mqtt::detail {
namespace {

std::string_view read_filter(ByteReader& in) {
    std::string_view f = in.utf8();
    if (!is_valid_topic_filter(f))
        throw ProtocolError(ReasonCode::TopicFilterInvalid, "invalid topic filter");
    return f;
}

SubscriptionOptions decode_options(std::uint8_t b, ProtocolVersion v) {
    SubscriptionOptions o;
    if (is_v5(v) ? (b & 0xC0) != 0 : (b & 0xFC) != 0) malformed("reserved subscription option bits set");
    if ((b & 0x03) == 3) malformed("subscription QoS 3");
    o.qos = static_cast<QoS>(b & 0x03);
    if (is_v5(v)) {
        o.no_local = (b & 0x04) != 0;
        o.retain_as_published = (b & 0x08) != 0;
        o.retain_handling = (b >> 4) & 0x03;
        if (o.retain_handling == 3) malformed("retain handling 3");
    }
    return o;
}

std::uint8_t encode_options(const SubscriptionOptions& o, ProtocolVersion v) noexcept {
    auto b = static_cast<std::uint8_t>(o.qos);
    if (is_v5(v)) {
        if (o.no_local) b |= 0x04;
        if (o.retain_as_published) b |= 0x08;
        b |= static_cast<std::uint8_t>(o.retain_handling << 4);
    }
    return b;
}

std::uint8_t encode_suback_code(ReasonCode rc, ProtocolVersion v) noexcept {
    if (!is_v5(v) && is_error(rc)) return 0x80;
    return static_cast<std::uint8_t>(rc);
}

std::vector<ReasonCode> decode_codes(ByteReader& in) {
    std::vector<ReasonCode> codes;
    std::string_view rest = in.rest();
    if (rest.empty()) protocol_error("acknowledgement without reason codes");
    codes.reserve(rest.size());
    for (char c : rest)
        codes.push_back(static_cast<ReasonCode>(static_cast<std::uint8_t>(c)));
    return codes;
}

}  // namespace

Subscribe decode_subscribe(ByteReader& in, ProtocolVersion v) {
    Subscribe s;
    s.packet_id = nonzero_packet_id(in);
    if (is_v5(v)) s.properties = decode_properties(in, PropertyContext::Subscribe);
    while (!in.empty()) {
        TopicSubscription t;
        t.filter = read_filter(in);
        t.options = decode_options(in.u8(), v);
        if (t.options.no_local && is_shared_filter(t.filter))
            protocol_error("no local on a shared subscription");
        s.topics.push_back(t);
    }
    if (s.topics.empty()) protocol_error("SUBSCRIBE without topic filters");
    return s;
}

std::size_t body_size(const Subscribe& s, ProtocolVersion v) {
    std::size_t n = 2 + (is_v5(v) ? prefixed_properties_size(s.properties) : 0);
    for (const auto& t : s.topics)
        n += 2 + t.filter.size() + 1;
    return n;
}

void write_body(const Subscribe& s, ProtocolVersion v, ByteWriter& out) {
    out.u16(s.packet_id);
    if (is_v5(v)) write_prefixed_properties(out, s.properties);
    for (const auto& t : s.topics) {
        out.prefixed(t.filter);
        out.u8(encode_options(t.options, v));
    }
}

Suback decode_suback(ByteReader& in, ProtocolVersion v) {
    Suback s;
    s.packet_id = nonzero_packet_id(in);
    if (is_v5(v)) s.properties = decode_properties(in, PropertyContext::Suback);
    s.reasons = decode_codes(in);
    if (!is_v5(v)) {
        for (auto rc : s.reasons) {
            auto b = static_cast<std::uint8_t>(rc);
            if (b > 2 && b != 0x80) malformed("invalid SUBACK return code");
        }
    }
    return s;
}

std::size_t body_size(const Suback& s, ProtocolVersion v) {
    return 2 + (is_v5(v) ? prefixed_properties_size(s.properties) : 0) + s.reasons.size();
}

void write_body(const Suback& s, ProtocolVersion v, ByteWriter& out) {
    out.u16(s.packet_id);
    if (is_v5(v)) write_prefixed_properties(out, s.properties);
    for (auto rc : s.reasons)
        out.u8(encode_suback_code(rc, v));
}

Unsubscribe decode_unsubscribe(ByteReader& in, ProtocolVersion v) {
    Unsubscribe u;
    u.packet_id = nonzero_packet_id(in);
    if (is_v5(v)) u.properties = decode_properties(in, PropertyContext::Unsubscribe);
    while (!in.empty())
        u.filters.push_back(read_filter(in));
    if (u.filters.empty()) protocol_error("UNSUBSCRIBE without topic filters");
    return u;
}

std::size_t body_size(const Unsubscribe& u, ProtocolVersion v) {
    std::size_t n = 2 + (is_v5(v) ? prefixed_properties_size(u.properties) : 0);
    for (auto f : u.filters)
        n += 2 + f.size();
    return n;
}

void write_body(const Unsubscribe& u, ProtocolVersion v, ByteWriter& out) {
    out.u16(u.packet_id);
    if (is_v5(v)) write_prefixed_properties(out, u.properties);
    for (auto f : u.filters)
        out.prefixed(f);
}

Unsuback decode_unsuback(ByteReader& in, ProtocolVersion v) {
    Unsuback u;
    u.packet_id = nonzero_packet_id(in);
    if (is_v5(v)) {
        u.properties = decode_properties(in, PropertyContext::Unsuback);
        u.reasons = decode_codes(in);
    }
    return u;
}

std::size_t body_size(const Unsuback& u, ProtocolVersion v) {
    if (!is_v5(v)) return 2;
    return 2 + prefixed_properties_size(u.properties) + u.reasons.size();
}

void write_body(const Unsuback& u, ProtocolVersion v, ByteWriter& out) {
    out.u16(u.packet_id);
    if (!is_v5(v)) return;
    write_prefixed_properties(out, u.properties);
    for (auto rc : u.reasons)
        out.u8(static_cast<std::uint8_t>(rc));
}

}  // namespace tapmq::mqtt::detail
