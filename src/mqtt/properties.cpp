#include "properties.hpp"

#include <array>
#include <bitset>

#include "byte_reader.hpp"
#include "byte_writer.hpp"

namespace tapmq::mqtt {
namespace {

enum class DataType : std::uint8_t { None, Byte, TwoByte, FourByte, VarInt, Utf8, Binary, Utf8Pair };

constexpr std::uint16_t bit(PropertyContext c) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
}

using C = PropertyContext;
constexpr std::uint16_t kPubWill = bit(C::Publish) | bit(C::Will);
constexpr std::uint16_t kAllAcks = bit(C::Connack) | bit(C::Puback) | bit(C::Pubrec) | bit(C::Pubrel) |
                                   bit(C::Pubcomp) | bit(C::Suback) | bit(C::Unsuback) | bit(C::Disconnect) |
                                   bit(C::Auth);
constexpr std::uint16_t kEverywhere = 0x3FFF;

struct PropertyInfo {
    DataType type = DataType::None;
    std::uint16_t contexts = 0;
};

constexpr std::array<PropertyInfo, 0x2B> make_table() {
    std::array<PropertyInfo, 0x2B> t{};
    auto set = [&t](PropertyId id, DataType type, std::uint16_t ctx) {
        t[static_cast<std::size_t>(id)] = PropertyInfo{type, ctx};
    };
    using P = PropertyId;
    using D = DataType;
    set(P::PayloadFormatIndicator, D::Byte, kPubWill);
    set(P::MessageExpiryInterval, D::FourByte, kPubWill);
    set(P::ContentType, D::Utf8, kPubWill);
    set(P::ResponseTopic, D::Utf8, kPubWill);
    set(P::CorrelationData, D::Binary, kPubWill);
    set(P::SubscriptionIdentifier, D::VarInt, bit(C::Publish) | bit(C::Subscribe));
    set(P::SessionExpiryInterval, D::FourByte, bit(C::Connect) | bit(C::Connack) | bit(C::Disconnect));
    set(P::AssignedClientIdentifier, D::Utf8, bit(C::Connack));
    set(P::ServerKeepAlive, D::TwoByte, bit(C::Connack));
    set(P::AuthenticationMethod, D::Utf8, bit(C::Connect) | bit(C::Connack) | bit(C::Auth));
    set(P::AuthenticationData, D::Binary, bit(C::Connect) | bit(C::Connack) | bit(C::Auth));
    set(P::RequestProblemInformation, D::Byte, bit(C::Connect));
    set(P::WillDelayInterval, D::FourByte, bit(C::Will));
    set(P::RequestResponseInformation, D::Byte, bit(C::Connect));
    set(P::ResponseInformation, D::Utf8, bit(C::Connack));
    set(P::ServerReference, D::Utf8, bit(C::Connack) | bit(C::Disconnect));
    set(P::ReasonString, D::Utf8, kAllAcks);
    set(P::ReceiveMaximum, D::TwoByte, bit(C::Connect) | bit(C::Connack));
    set(P::TopicAliasMaximum, D::TwoByte, bit(C::Connect) | bit(C::Connack));
    set(P::TopicAlias, D::TwoByte, bit(C::Publish));
    set(P::MaximumQoS, D::Byte, bit(C::Connack));
    set(P::RetainAvailable, D::Byte, bit(C::Connack));
    set(P::UserProperty, D::Utf8Pair, kEverywhere);
    set(P::MaximumPacketSize, D::FourByte, bit(C::Connect) | bit(C::Connack));
    set(P::WildcardSubscriptionAvailable, D::Byte, bit(C::Connack));
    set(P::SubscriptionIdentifierAvailable, D::Byte, bit(C::Connack));
    set(P::SharedSubscriptionAvailable, D::Byte, bit(C::Connack));
    return t;
}

constexpr auto kTable = make_table();

std::uint8_t boolean_byte(ByteReader& in) {
    std::uint8_t v = in.u8();
    if (v > 1) protocol_error("property value must be 0 or 1");
    return v;
}

std::uint16_t nonzero_u16(ByteReader& in) {
    std::uint16_t v = in.u16();
    if (v == 0) protocol_error("property value must not be 0");
    return v;
}

}  // namespace

bool Properties::empty() const noexcept {
    // Hot: every acknowledgement asks. A direct check rather than a comparison with Properties{}.
    return !payload_format_indicator && !message_expiry_interval && !content_type && !response_topic &&
           !correlation_data && subscription_identifiers.empty() && !session_expiry_interval &&
           !assigned_client_identifier && !server_keep_alive && !authentication_method &&
           !authentication_data && !request_problem_information && !will_delay_interval &&
           !request_response_information && !response_information && !server_reference && !reason_string &&
           !receive_maximum && !topic_alias_maximum && !topic_alias && !maximum_qos && !retain_available &&
           user_properties.empty() && !maximum_packet_size && !wildcard_subscription_available &&
           !subscription_identifier_available && !shared_subscription_available;
}

bool property_allowed(PropertyId id, PropertyContext ctx) noexcept {
    auto i = static_cast<std::size_t>(id);
    return i < kTable.size() && (kTable[i].contexts & bit(ctx)) != 0;
}

namespace {

// Reads the value of property `id` into `p`, checking what the specification says about it.
void read_property_value(ByteReader& r, PropertyId id, Properties& p) {
    using P = PropertyId;
    switch (id) {
        case P::PayloadFormatIndicator:
            p.payload_format_indicator = boolean_byte(r);
            break;
        case P::MessageExpiryInterval:
            p.message_expiry_interval = r.u32();
            break;
        case P::ContentType:
            p.content_type = r.utf8();
            break;
        case P::ResponseTopic:
            p.response_topic = r.utf8();
            break;
        case P::CorrelationData:
            p.correlation_data = r.binary();
            break;
        case P::SubscriptionIdentifier: {
            std::uint32_t v = r.varint();
            if (v == 0) protocol_error("subscription identifier 0");
            p.subscription_identifiers.push_back(v);
            break;
        }
        case P::SessionExpiryInterval:
            p.session_expiry_interval = r.u32();
            break;
        case P::AssignedClientIdentifier:
            p.assigned_client_identifier = r.utf8();
            break;
        case P::ServerKeepAlive:
            p.server_keep_alive = r.u16();
            break;
        case P::AuthenticationMethod:
            p.authentication_method = r.utf8();
            break;
        case P::AuthenticationData:
            p.authentication_data = r.binary();
            break;
        case P::RequestProblemInformation:
            p.request_problem_information = boolean_byte(r);
            break;
        case P::WillDelayInterval:
            p.will_delay_interval = r.u32();
            break;
        case P::RequestResponseInformation:
            p.request_response_information = boolean_byte(r);
            break;
        case P::ResponseInformation:
            p.response_information = r.utf8();
            break;
        case P::ServerReference:
            p.server_reference = r.utf8();
            break;
        case P::ReasonString:
            p.reason_string = r.utf8();
            break;
        case P::ReceiveMaximum:
            p.receive_maximum = nonzero_u16(r);
            break;
        case P::TopicAliasMaximum:
            p.topic_alias_maximum = r.u16();
            break;
        case P::TopicAlias: {
            std::uint16_t v = r.u16();
            if (v == 0) throw ProtocolError(ReasonCode::TopicAliasInvalid, "topic alias 0");
            p.topic_alias = v;
            break;
        }
        case P::MaximumQoS:
            p.maximum_qos = boolean_byte(r);
            break;
        case P::RetainAvailable:
            p.retain_available = boolean_byte(r);
            break;
        case P::UserProperty: {
            auto key = r.utf8();
            auto value = r.utf8();
            p.user_properties.push_back({key, value});
            break;
        }
        case P::MaximumPacketSize: {
            std::uint32_t v = r.u32();
            if (v == 0) protocol_error("maximum packet size 0");
            p.maximum_packet_size = v;
            break;
        }
        case P::WildcardSubscriptionAvailable:
            p.wildcard_subscription_available = boolean_byte(r);
            break;
        case P::SubscriptionIdentifierAvailable:
            p.subscription_identifier_available = boolean_byte(r);
            break;
        case P::SharedSubscriptionAvailable:
            p.shared_subscription_available = boolean_byte(r);
            break;
    }
}

}  // namespace

// The property block: its length, then identifier and value pairs; each identifier must be known,
// allowed in this packet and, except the repeatable ones, present once.
void decode_properties(ByteReader& in, PropertyContext ctx, Properties& p) {
    const std::uint32_t length = in.varint();
    ByteReader r(in.bytes(length));
    std::bitset<kTable.size()> seen;
    while (!r.empty()) {
        const std::uint32_t raw = r.varint();
        if (raw >= kTable.size() || kTable[raw].type == DataType::None)
            malformed("unknown property identifier");
        const auto id = static_cast<PropertyId>(raw);
        if (!property_allowed(id, ctx)) malformed("property not allowed in this packet");
        const bool repeatable = id == PropertyId::UserProperty ||
                                (id == PropertyId::SubscriptionIdentifier && ctx == PropertyContext::Publish);
        if (seen.test(raw) && !repeatable) protocol_error("property included more than once");
        seen.set(raw);
        read_property_value(r, id, p);
    }
}

Properties decode_properties(ByteReader& in, PropertyContext ctx) {
    Properties p;
    decode_properties(in, ctx, p);
    return p;
}

namespace {

// Calls f(id, value) for every property set, in identifier order. `value` is one of
// uint8_t, uint16_t, uint32_t, VarInt, std::string_view (string or binary), UserProperty.
struct VarInt {
    std::uint32_t v;
};

template <typename F>
void for_each_property(const Properties& p, F&& f) {
    using P = PropertyId;
    if (p.payload_format_indicator) f(P::PayloadFormatIndicator, *p.payload_format_indicator);
    if (p.message_expiry_interval) f(P::MessageExpiryInterval, *p.message_expiry_interval);
    if (p.content_type) f(P::ContentType, *p.content_type);
    if (p.response_topic) f(P::ResponseTopic, *p.response_topic);
    if (p.correlation_data) f(P::CorrelationData, *p.correlation_data);
    for (auto id : p.subscription_identifiers)
        f(P::SubscriptionIdentifier, VarInt{id});
    if (p.session_expiry_interval) f(P::SessionExpiryInterval, *p.session_expiry_interval);
    if (p.assigned_client_identifier) f(P::AssignedClientIdentifier, *p.assigned_client_identifier);
    if (p.server_keep_alive) f(P::ServerKeepAlive, *p.server_keep_alive);
    if (p.authentication_method) f(P::AuthenticationMethod, *p.authentication_method);
    if (p.authentication_data) f(P::AuthenticationData, *p.authentication_data);
    if (p.request_problem_information) f(P::RequestProblemInformation, *p.request_problem_information);
    if (p.will_delay_interval) f(P::WillDelayInterval, *p.will_delay_interval);
    if (p.request_response_information) f(P::RequestResponseInformation, *p.request_response_information);
    if (p.response_information) f(P::ResponseInformation, *p.response_information);
    if (p.server_reference) f(P::ServerReference, *p.server_reference);
    if (p.reason_string) f(P::ReasonString, *p.reason_string);
    if (p.receive_maximum) f(P::ReceiveMaximum, *p.receive_maximum);
    if (p.topic_alias_maximum) f(P::TopicAliasMaximum, *p.topic_alias_maximum);
    if (p.topic_alias) f(P::TopicAlias, *p.topic_alias);
    if (p.maximum_qos) f(P::MaximumQoS, *p.maximum_qos);
    if (p.retain_available) f(P::RetainAvailable, *p.retain_available);
    for (const auto& up : p.user_properties)
        f(P::UserProperty, up);
    if (p.maximum_packet_size) f(P::MaximumPacketSize, *p.maximum_packet_size);
    if (p.wildcard_subscription_available)
        f(P::WildcardSubscriptionAvailable, *p.wildcard_subscription_available);
    if (p.subscription_identifier_available)
        f(P::SubscriptionIdentifierAvailable, *p.subscription_identifier_available);
    if (p.shared_subscription_available) f(P::SharedSubscriptionAvailable, *p.shared_subscription_available);
}

struct SizeOf {
    std::size_t operator()(std::uint8_t) const noexcept { return 1; }
    std::size_t operator()(std::uint16_t) const noexcept { return 2; }
    std::size_t operator()(std::uint32_t) const noexcept { return 4; }
    std::size_t operator()(VarInt v) const noexcept { return varint_size(v.v); }
    std::size_t operator()(std::string_view s) const noexcept { return 2 + s.size(); }
    std::size_t operator()(const UserProperty& u) const noexcept { return 4 + u.key.size() + u.value.size(); }
};

struct Write {
    ByteWriter& out;
    void operator()(std::uint8_t v) const noexcept { out.u8(v); }
    void operator()(std::uint16_t v) const noexcept { out.u16(v); }
    void operator()(std::uint32_t v) const noexcept { out.u32(v); }
    void operator()(VarInt v) const noexcept { out.varint(v.v); }
    void operator()(std::string_view s) const noexcept { out.prefixed(s); }
    void operator()(const UserProperty& u) const noexcept {
        out.prefixed(u.key);
        out.prefixed(u.value);
    }
};

}  // namespace

std::size_t properties_size(const Properties& p) noexcept {
    std::size_t n = 0;
    for_each_property(p, [&n](PropertyId, const auto& v) { n += 1 + SizeOf{}(v); });
    return n;
}

void write_properties(ByteWriter& out, const Properties& p, std::size_t size) noexcept {
    out.varint(static_cast<std::uint32_t>(size));
    write_property_list(out, p);
}

void write_property_list(ByteWriter& out, const Properties& p) noexcept {
    for_each_property(p, [&out](PropertyId id, const auto& v) {
        out.u8(static_cast<std::uint8_t>(id));
        Write{out}(v);
    });
}

}  // namespace tapmq::mqtt
