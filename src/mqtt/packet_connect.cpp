// CONNECT (spec 3.1) and CONNACK (spec 3.2) on the wire.
#include "packet_codec.hpp"
#include "topic.hpp"

namespace tapmq::mqtt::detail {
namespace {

constexpr std::uint8_t kFlagReserved = 0x01;
constexpr std::uint8_t kFlagCleanStart = 0x02;
constexpr std::uint8_t kFlagWill = 0x04;
constexpr std::uint8_t kFlagWillRetain = 0x20;
constexpr std::uint8_t kFlagPassword = 0x40;
constexpr std::uint8_t kFlagUsername = 0x80;

std::string_view protocol_name(ProtocolVersion v) noexcept {
    return v == ProtocolVersion::V31 ? "MQIsdp" : "MQTT";
}

ProtocolVersion negotiate(std::string_view name, std::uint8_t level) {
    if (name == "MQTT" && level == 4) return ProtocolVersion::V311;
    if (name == "MQTT" && level == 5) return ProtocolVersion::V5;
    if (name == "MQIsdp" && level == 3) return ProtocolVersion::V31;
    throw ProtocolError(ReasonCode::UnsupportedProtocolVersion, "unsupported protocol name or level");
}

void check_response_topic(const Properties& p) {
    if (p.response_topic && !is_valid_topic_name(*p.response_topic)) {
        protocol_error("response topic is not a valid topic name");
    }
}

}  // namespace

Connect decode_connect(ByteReader& in) {
    Connect c;
    std::string_view name = in.binary();
    std::uint8_t level = in.u8();
    if (level == 0x83 || level == 0x84) {  // a 3.x bridge (Mosquitto's try_private)
        c.bridge = true;
        level &= 0x7F;
    }
    c.version = negotiate(name, level);
    std::uint8_t flags = in.u8();
    if (flags & kFlagReserved) malformed("CONNECT reserved flag set");
    c.clean_start = (flags & kFlagCleanStart) != 0;
    const bool has_will = (flags & kFlagWill) != 0;
    const std::uint8_t will_qos = (flags >> 3) & 0x03;
    const bool will_retain = (flags & kFlagWillRetain) != 0;
    if (!has_will && (will_qos != 0 || will_retain)) malformed("will QoS or retain set without a will");
    if (will_qos == 3) malformed("will QoS 3");
    const bool has_password = (flags & kFlagPassword) != 0;
    const bool has_username = (flags & kFlagUsername) != 0;
    if (!is_v5(c.version) && has_password && !has_username) malformed("password flag without user name flag");
    c.keep_alive = in.u16();
    if (is_v5(c.version)) c.properties = decode_properties(in, PropertyContext::Connect);
    c.client_id = in.utf8();
    if (has_will) {
        Will w;
        w.qos = static_cast<QoS>(will_qos);
        w.retain = will_retain;
        if (is_v5(c.version)) {
            w.properties = decode_properties(in, PropertyContext::Will);
            check_response_topic(w.properties);
        }
        w.topic = in.utf8();
        if (!is_valid_topic_name(w.topic))
            throw ProtocolError(ReasonCode::TopicNameInvalid, "invalid will topic");
        w.payload = in.binary();
        c.will = w;
    }
    if (has_username) c.username = in.utf8();
    if (has_password) c.password = in.binary();
    return c;
}

std::size_t body_size(const Connect& c, ProtocolVersion) {
    std::size_t n = 2 + protocol_name(c.version).size() + 1 + 1 + 2;
    if (is_v5(c.version)) n += prefixed_properties_size(c.properties);
    n += 2 + c.client_id.size();
    if (c.will) {
        if (is_v5(c.version)) n += prefixed_properties_size(c.will->properties);
        n += 2 + c.will->topic.size() + 2 + c.will->payload.size();
    }
    if (c.username) n += 2 + c.username->size();
    if (c.password) n += 2 + c.password->size();
    return n;
}

void write_body(const Connect& c, ProtocolVersion, ByteWriter& out) {
    out.prefixed(protocol_name(c.version));
    out.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(c.version) |
                                     (c.bridge && !is_v5(c.version) ? 0x80 : 0)));
    std::uint8_t flags = 0;
    if (c.clean_start) flags |= kFlagCleanStart;
    if (c.will) {
        flags |= kFlagWill | static_cast<std::uint8_t>(static_cast<unsigned>(c.will->qos) << 3);
        if (c.will->retain) flags |= kFlagWillRetain;
    }
    if (c.username) flags |= kFlagUsername;
    if (c.password) flags |= kFlagPassword;
    out.u8(flags);
    out.u16(c.keep_alive);
    if (is_v5(c.version)) write_prefixed_properties(out, c.properties);
    out.prefixed(c.client_id);
    if (c.will) {
        if (is_v5(c.version)) write_prefixed_properties(out, c.will->properties);
        out.prefixed(c.will->topic);
        out.prefixed(c.will->payload);
    }
    if (c.username) out.prefixed(*c.username);
    if (c.password) out.prefixed(*c.password);
}

Connack decode_connack(ByteReader& in, ProtocolVersion v) {
    Connack c;
    std::uint8_t flags = in.u8();
    if (flags & 0xFE) malformed("CONNACK reserved flags set");
    c.session_present = (flags & 0x01) != 0;
    std::uint8_t code = in.u8();
    if (is_v5(v)) {
        c.reason = static_cast<ReasonCode>(code);
        c.properties = decode_properties(in, PropertyContext::Connack);
    } else {
        if (code > 5) malformed("unknown CONNACK return code");
        c.reason = from_v3_connack_code(code);
    }
    return c;
}

std::size_t body_size(const Connack& c, ProtocolVersion v) {
    return 2 + (is_v5(v) ? prefixed_properties_size(c.properties) : 0);
}

void write_body(const Connack& c, ProtocolVersion v, ByteWriter& out) {
    out.u8(c.session_present ? 1 : 0);
    if (is_v5(v)) {
        out.u8(static_cast<std::uint8_t>(c.reason));
        write_prefixed_properties(out, c.properties);
    } else {
        out.u8(to_v3_connack_code(c.reason));
    }
}

}  // namespace tapmq::mqtt::detail
