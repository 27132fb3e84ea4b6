// Every protocol violation the decoder must reject, with the exact reason code it must report.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/decoder.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::bytes;
using test::expect_error;
using test::packet;
using test::props;
using test::str;
using test::u16;
using test::u32;
using test::vbi;

constexpr auto V31 = ProtocolVersion::V31;
constexpr auto V311 = ProtocolVersion::V311;
constexpr auto V5 = ProtocolVersion::V5;
constexpr auto kMalformed = ReasonCode::MalformedPacket;
constexpr auto kProtocol = ReasonCode::ProtocolError;

const std::string kEmptyProps = bytes({0x00});

// A CONNECT body: protocol name and level of `v`, `flags`, keep alive 60, the properties block (MQTT 5
// only) and `payload`.
std::string connect_body(ProtocolVersion v, unsigned flags, const std::string& payload,
                         const std::string& properties = kEmptyProps) {
    std::string body = str(v == V31 ? "MQIsdp" : "MQTT") + bytes({static_cast<unsigned>(v), flags}) + u16(60);
    if (is_v5(v)) body += properties;
    return body + payload;
}

std::string connect(ProtocolVersion v, unsigned flags, const std::string& payload,
                    const std::string& properties = kEmptyProps) {
    return packet(0x10, connect_body(v, flags, payload, properties));
}

// Will part of the payload: will properties (MQTT 5), topic, payload.
std::string will(ProtocolVersion v, std::string_view topic = "w/t",
                 const std::string& will_props = kEmptyProps) {
    return (is_v5(v) ? will_props : std::string()) + str(topic) + str("bye");
}

std::string v5_props(ProtocolVersion v) {
    return is_v5(v) ? kEmptyProps : std::string();
}

std::string publish(ProtocolVersion v, unsigned first_byte, std::string_view topic,
                    std::uint16_t packet_id = 1, const std::string& properties = kEmptyProps) {
    std::string body = str(topic);
    if (((first_byte >> 1) & 3) != 0) body += u16(packet_id);
    if (is_v5(v)) body += properties;
    return packet(static_cast<std::uint8_t>(first_byte), body + "payload");
}

std::string subscribe(ProtocolVersion v, std::string_view filter, unsigned options,
                      std::uint16_t packet_id = 1, const std::string& properties = kEmptyProps) {
    return packet(0x82,
                  u16(packet_id) + (is_v5(v) ? properties : std::string()) + str(filter) + bytes({options}));
}

std::string unsubscribe(ProtocolVersion v, std::string_view filter, std::uint16_t packet_id = 1) {
    return packet(0xA2, u16(packet_id) + v5_props(v) + str(filter));
}

// A valid body of each packet type for version `v`.
std::string valid_body(PacketType t, ProtocolVersion v) {
    switch (t) {
        case PacketType::Connect:
            return connect_body(v, 0x02, str("c"));
        case PacketType::Connack:
            return bytes({0x00, 0x00}) + v5_props(v);
        case PacketType::Publish:
            return str("t") + v5_props(v);
        case PacketType::Puback:
        case PacketType::Pubrec:
        case PacketType::Pubrel:
        case PacketType::Pubcomp:
            return u16(1);
        case PacketType::Subscribe:
            return u16(1) + v5_props(v) + str("a") + bytes({0x01});
        case PacketType::Suback:
            return u16(1) + v5_props(v) + bytes({0x00});
        case PacketType::Unsubscribe:
            return u16(1) + v5_props(v) + str("a");
        case PacketType::Unsuback:
            return u16(1) + v5_props(v) + (is_v5(v) ? bytes({0x00}) : std::string());
        case PacketType::Pingreq:
        case PacketType::Pingresp:
        case PacketType::Disconnect:
        case PacketType::Auth:
            return std::string();
    }
    return {};
}

std::uint8_t required_flags(PacketType t) {
    return t == PacketType::Pubrel || t == PacketType::Subscribe || t == PacketType::Unsubscribe ? 0x02
                                                                                                 : 0x00;
}

std::vector<PacketType> types_for(ProtocolVersion v) {
    std::vector<PacketType> out;
    for (int t = 1; t <= (is_v5(v) ? 15 : 14); ++t)
        out.push_back(static_cast<PacketType>(t));
    return out;
}

const std::vector<std::string>& bad_utf8() {
    static const std::vector<std::string> cases = {
        bytes({0xC0, 0x80}),              // overlong
        bytes({0xED, 0xA0, 0x80}),        // surrogate
        bytes({0xF4, 0x90, 0x80, 0x80}),  // above U+10FFFF
        bytes({'a', 0x00, 'b'}),          // U+0000
        bytes({'a', 0xC2}),               // truncated
        bytes({0xFF}),
    };
    return cases;
}

// ---------------------------------------------------------------- sanity: the bases are valid

TEST(Malformed, ValidBodiesDecode) {
    for (auto v : test::kAllVersions) {
        for (auto t : types_for(v)) {
            auto first = static_cast<std::uint8_t>((static_cast<unsigned>(t) << 4) | required_flags(t));
            std::string data = packet(first, valid_body(t, v));
            EXPECT_NO_THROW({
                Packet p = test::decode_one(data, v);
                EXPECT_EQ(packet_type(p), t);
            }) << hex(data);
        }
    }
}

// ---------------------------------------------------------------- 0x81 Malformed Packet

TEST(Malformed, RemainingLengthOverFourBytes) {
    expect_error(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), V311, kMalformed);
    expect_error(bytes({0xC0, 0x80, 0x80, 0x80, 0x80, 0x00}), V5, kMalformed);
}

TEST(Malformed, PropertyLengthOverFourBytes) {
    expect_error(packet(0x30, str("t") + bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x01})), V5, kMalformed);
}

TEST(Malformed, TruncatedPackets) {
    for (auto v : test::kAllVersions) {
        SCOPED_TRACE(static_cast<int>(v));
        expect_error(bytes({0x40, 0x01, 0x00}), v, kMalformed);             // PUBACK with one id byte
        expect_error(bytes({0x40, 0x00}), v, kMalformed);                   // PUBACK without id
        expect_error(bytes({0x30, 0x03, 0x00, 0x05, 'a'}), v, kMalformed);  // topic longer than packet
        expect_error(bytes({0x30, 0x01, 0x00}), v, kMalformed);             // half a topic length
        expect_error(bytes({0x30, 0x00}), v, kMalformed);                   // no topic at all
        expect_error(bytes({0x32, 0x03, 0x00, 0x01, 't'}), v, kMalformed);  // QoS 1 without packet id
        expect_error(bytes({0x20, 0x01, 0x00}), v, kMalformed);             // CONNACK
        expect_error(packet(0x82, u16(1) + v5_props(v) + str("a")), v, kMalformed);  // SUBSCRIBE w/o options
        expect_error(packet(0x82, u16(1) + v5_props(v) + bytes({0x00, 0x05, 'a'})), v, kMalformed);
        expect_error(packet(0xA2, u16(1) + v5_props(v) + bytes({0x00})), v, kMalformed);
        expect_error(bytes({0xB0, 0x01, 0x00}), v, kMalformed);  // UNSUBACK
        expect_error(bytes({0x82, 0x01, 0x00}), v, kMalformed);  // SUBSCRIBE
    }
}

TEST(Malformed, TruncatedConnect) {
    for (auto v : test::kAllVersions) {
        SCOPED_TRACE(static_cast<int>(v));
        std::string full = connect_body(v, 0xC6, str("c") + will(v) + str("user") + str("pass"));
        // Every proper prefix of a valid CONNECT body is malformed.
        for (std::size_t n = 0; n < full.size(); ++n)
            expect_error(packet(0x10, full.substr(0, n)), v, kMalformed);
        EXPECT_NO_THROW(test::decode_one(packet(0x10, full), v));
    }
}

TEST(Malformed, TruncatedV5Properties) {
    expect_error(bytes({0x30, 0x03, 0x00, 0x01, 't'}), V5, kMalformed);  // PUBLISH without property length
    expect_error(packet(0x30, str("t") + bytes({0x05, 0x01})), V5,
                 kMalformed);                                       // property length past the end
    expect_error(bytes({0x20, 0x02, 0x00, 0x00}), V5, kMalformed);  // CONNACK without properties
    expect_error(packet(0x82, u16(1)), V5, kMalformed);             // SUBSCRIBE without properties
    expect_error(packet(0x90, u16(1)), V5, kMalformed);             // SUBACK without properties
    expect_error(packet(0xB0, u16(1)), V5, kMalformed);             // UNSUBACK without properties
    expect_error(packet(0x40, u16(1) + bytes({0x10, 0x05, 0x1F})), V5, kMalformed);  // PUBACK property cut
    expect_error(packet(0xE0, bytes({0x00, 0x03, 0x11, 0x00})), V5, kMalformed);  // DISCONNECT property cut
    expect_error(packet(0xF0, bytes({0x18, 0x02, 0x15})), V5, kMalformed);        // AUTH property cut
}

TEST(Malformed, LeftoverBytes) {
    for (auto v : test::kAllVersions) {
        SCOPED_TRACE(static_cast<int>(v));
        expect_error(bytes({0xC0, 0x01, 0x00}), v, kMalformed);  // PINGREQ
        expect_error(bytes({0xD0, 0x01, 0x00}), v, kMalformed);  // PINGRESP
        expect_error(packet(0x10, connect_body(v, 0x02, str("c") + "x")), v, kMalformed);
        expect_error(packet(0x10, connect_body(v, 0x82, str("c") + str("u") + "x")), v, kMalformed);
        expect_error(packet(0x82, valid_body(PacketType::Subscribe, v) + bytes({0x00})), v, kMalformed);
        expect_error(packet(0xA2, valid_body(PacketType::Unsubscribe, v) + bytes({0x00})), v, kMalformed);
    }
    for (auto v : test::kV3Versions) {
        expect_error(bytes({0xE0, 0x01, 0x00}), v, kMalformed);              // DISCONNECT has no body
        expect_error(bytes({0x40, 0x03, 0x00, 0x01, 0x00}), v, kMalformed);  // PUBACK is exactly 2 bytes
        expect_error(bytes({0x50, 0x04, 0x00, 0x01, 0x00, 0x00}), v, kMalformed);  // PUBREC
        expect_error(bytes({0x62, 0x03, 0x00, 0x01, 0x00}), v, kMalformed);        // PUBREL
        expect_error(bytes({0x70, 0x03, 0x00, 0x01, 0x00}), v, kMalformed);        // PUBCOMP
        expect_error(bytes({0x20, 0x03, 0x00, 0x00, 0x00}), v, kMalformed);        // CONNACK
        expect_error(bytes({0xB0, 0x03, 0x00, 0x01, 0x00}), v, kMalformed);        // UNSUBACK
    }
    // MQTT 5: bytes after the property block of packets without a payload.
    expect_error(bytes({0xE0, 0x03, 0x00, 0x00, 0x00}), V5, kMalformed);              // DISCONNECT
    expect_error(bytes({0xF0, 0x03, 0x18, 0x00, 0x00}), V5, kMalformed);              // AUTH
    expect_error(bytes({0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}), V5, kMalformed);  // PUBACK
    expect_error(bytes({0x20, 0x04, 0x00, 0x00, 0x00, 0x00}), V5, kMalformed);        // CONNACK
}

TEST(Malformed, ReservedFixedHeaderFlags) {
    for (auto v : test::kAllVersions) {
        for (auto t : types_for(v)) {
            if (t == PacketType::Publish) continue;
            std::uint8_t required = required_flags(t);
            for (unsigned flags = 0; flags < 16; ++flags) {
                if (flags == required) continue;
                SCOPED_TRACE(testing::Message() << "type " << static_cast<int>(t) << " flags " << flags
                                                << " v" << static_cast<int>(v));
                auto first = static_cast<std::uint8_t>((static_cast<unsigned>(t) << 4) | flags);
                expect_error(packet(first, valid_body(t, v)), v, kMalformed);
            }
        }
    }
}

TEST(Malformed, PublishQoS3) {
    for (auto v : test::kAllVersions) {
        expect_error(packet(0x36, str("t") + u16(1) + v5_props(v)), v, kMalformed);
        expect_error(packet(0x37, str("t") + u16(1) + v5_props(v)), v, kMalformed);
        expect_error(packet(0x3E, str("t") + u16(1) + v5_props(v)), v, kMalformed);
    }
}

TEST(Malformed, PublishDupWithQoS0) {
    for (auto v : test::kAllVersions) {
        expect_error(packet(0x38, str("t") + v5_props(v)), v, kMalformed);
        expect_error(packet(0x39, str("t") + v5_props(v)), v, kMalformed);
    }
}

TEST(Malformed, PacketTypeZero) {
    for (auto v : test::kAllVersions) {
        expect_error(bytes({0x00, 0x00}), v, kMalformed);
        expect_error(bytes({0x0F, 0x00}), v, kMalformed);
        expect_error(bytes({0x00, 0x02, 0x00, 0x01}), v, kMalformed);
    }
}

TEST(Malformed, AuthBeforeMqtt5) {
    for (auto v : test::kV3Versions) {
        expect_error(bytes({0xF0, 0x00}), v, kMalformed);
        expect_error(bytes({0xF0, 0x02, 0x18, 0x00}), v, kMalformed);
    }
}

TEST(Malformed, InvalidUtf8PublishTopic) {
    for (auto v : test::kAllVersions) {
        for (const auto& bad : bad_utf8())
            expect_error(publish(v, 0x30, bad), v, kMalformed);
        for (const auto& bad : bad_utf8())
            expect_error(publish(v, 0x32, "ok/" + bad), v, kMalformed);
    }
}

TEST(Malformed, InvalidUtf8ConnectStrings) {
    for (auto v : test::kAllVersions) {
        for (const auto& bad : bad_utf8()) {
            expect_error(connect(v, 0x02, str(bad)), v, kMalformed);                         // client id
            expect_error(connect(v, 0x06, str("c") + will(v, bad)), v, kMalformed);          // will topic
            expect_error(connect(v, 0x82, str("c") + str(bad)), v, kMalformed);              // user name
            expect_error(connect(v, 0xC2, str("c") + str(bad) + str("pw")), v, kMalformed);  // user name
        }
    }
}

TEST(Malformed, InvalidUtf8FiltersAndProperties) {
    for (auto v : test::kAllVersions) {
        for (const auto& bad : bad_utf8()) {
            expect_error(subscribe(v, bad, 0x01), v, kMalformed);
            expect_error(subscribe(v, "a/" + bad + "/#", 0x01), v, kMalformed);
            expect_error(unsubscribe(v, bad), v, kMalformed);
        }
    }
    for (const auto& bad : bad_utf8()) {
        expect_error(packet(0x40, u16(1) + bytes({0x00}) + props(bytes({0x1F}) + str(bad))), V5, kMalformed);
        expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({0x26}) + str(bad) + str("v"))), V5,
                     kMalformed);
        expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x03}) + str(bad))), V5, kMalformed);
        expect_error(connect(V5, 0x02, str("c"), props(bytes({0x15}) + str(bad))), V5, kMalformed);
        expect_error(connect(V5, 0x06, str("c") + will(V5, "w", props(bytes({0x08}) + str(bad)))), V5,
                     kMalformed);
        expect_error(packet(0xE0, bytes({0x00}) + props(bytes({0x1C}) + str(bad))), V5, kMalformed);
    }
}

TEST(Malformed, BinaryFieldsAreNotUtf8Checked) {
    // Password, will payload, PUBLISH payload and correlation data are binary data.
    const std::string bad = bytes({0xC0, 0x80, 0x00, 0xFF});
    for (auto v : test::kAllVersions) {
        // Decoded packets point into their buffer: keep it alive.
        const std::string connect_bytes =
            connect(v, 0xC6, str("c") + v5_props(v) + str("w") + str(bad) + str("u") + str(bad));
        auto c = test::decode_as<Connect>(connect_bytes, v);
        EXPECT_EQ(c.password, bad);
        ASSERT_TRUE(c.will.has_value());
        EXPECT_EQ(c.will->payload, bad);
        const std::string publish_bytes = packet(0x30, str("t") + v5_props(v) + bad);
        auto p = test::decode_as<Publish>(publish_bytes, v);
        EXPECT_EQ(p.payload, bad);
    }
    const std::string publish_bytes = publish(V5, 0x30, "t", 0, props(bytes({0x09}) + str(bad)));
    auto p = test::decode_as<Publish>(publish_bytes, V5);
    EXPECT_EQ(p.properties.correlation_data, bad);
}

TEST(Malformed, UnknownPropertyIdentifier) {
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x05, 0x00}))), V5, kMalformed);
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x00}))), V5, kMalformed);
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x2B, 0x00}))), V5, kMalformed);
    expect_error(packet(0xE0, bytes({0x00}) + props(bytes({0x7F, 0x00}))), V5, kMalformed);
}

TEST(Malformed, PropertyNotAllowedInPacket) {
    // Session Expiry Interval in PUBLISH.
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x11}) + u32(10))), V5, kMalformed);
    // Will Delay Interval in the CONNECT properties (it belongs to the Will properties).
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x18}) + u32(10))), V5, kMalformed);
    // Topic Alias and Session Expiry Interval in the Will properties.
    expect_error(connect(V5, 0x06, str("c") + will(V5, "w", props(bytes({0x23}) + u16(1)))), V5, kMalformed);
    expect_error(connect(V5, 0x06, str("c") + will(V5, "w", props(bytes({0x11}) + u32(1)))), V5, kMalformed);
    // Content Type in CONNECT.
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x03}) + str("x"))), V5, kMalformed);
    // Subscription Identifier in PUBACK, SUBACK, UNSUBSCRIBE.
    expect_error(packet(0x40, u16(1) + bytes({0x00}) + props(bytes({0x0B, 0x01}))), V5, kMalformed);
    expect_error(packet(0x90, u16(1) + props(bytes({0x0B, 0x01})) + bytes({0x00})), V5, kMalformed);
    expect_error(packet(0xA2, u16(1) + props(bytes({0x0B, 0x01})) + str("a")), V5, kMalformed);
    // Reason String in SUBSCRIBE, PUBLISH and CONNECT.
    expect_error(subscribe(V5, "a", 0x00, 1, props(bytes({0x1F}) + str("r"))), V5, kMalformed);
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x1F}) + str("r"))), V5, kMalformed);
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x1F}) + str("r"))), V5, kMalformed);
    // Maximum QoS in CONNECT, Topic Alias in DISCONNECT, Session Expiry in AUTH.
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x24, 0x01}))), V5, kMalformed);
    expect_error(packet(0xE0, bytes({0x00}) + props(bytes({0x23}) + u16(1))), V5, kMalformed);
    expect_error(packet(0xF0, bytes({0x18}) + props(bytes({0x11}) + u32(1))), V5, kMalformed);
}

TEST(Malformed, ConnectReservedFlag) {
    for (auto v : test::kAllVersions) {
        expect_error(connect(v, 0x03, str("c")), v, kMalformed);
        expect_error(connect(v, 0x01, str("c")), v, kMalformed);
    }
}

TEST(Malformed, WillQoSOrRetainWithoutWill) {
    for (auto v : test::kAllVersions) {
        expect_error(connect(v, 0x0A, str("c")), v, kMalformed);  // will QoS 1
        expect_error(connect(v, 0x12, str("c")), v, kMalformed);  // will QoS 2
        expect_error(connect(v, 0x22, str("c")), v, kMalformed);  // will retain
        expect_error(connect(v, 0x3A, str("c")), v, kMalformed);
    }
}

TEST(Malformed, WillQoS3) {
    for (auto v : test::kAllVersions) {
        expect_error(connect(v, 0x1E, str("c") + will(v)), v, kMalformed);
        expect_error(connect(v, 0x3E, str("c") + will(v)), v, kMalformed);
    }
}

TEST(Malformed, PasswordWithoutUsernameIn311) {
    expect_error(connect(V311, 0x42, str("c") + str("pw")), V311, kMalformed);
    // MQTT 5 allows it.
    const std::string data = connect(V5, 0x42, str("c") + str("pw"));
    auto c = test::decode_as<Connect>(data, V5);
    EXPECT_FALSE(c.username.has_value());
    EXPECT_EQ(c.password, "pw");
}

TEST(Malformed, SubscriptionOptionsReservedBits) {
    for (unsigned bit : {0x40u, 0x80u, 0xC0u}) {
        expect_error(subscribe(V5, "a", 0x01 | bit), V5, kMalformed);
    }
    for (auto v : test::kV3Versions) {
        for (unsigned bit : {0x04u, 0x08u, 0x10u, 0x20u, 0x40u, 0x80u, 0xFCu}) {
            expect_error(subscribe(v, "a", 0x01 | bit), v, kMalformed);
        }
    }
    // Reserved bits in a later subscription of the same packet.
    expect_error(packet(0x82, u16(1) + str("a") + bytes({0x01}) + str("b") + bytes({0x41})), V311,
                 kMalformed);
}

TEST(Malformed, SubscriptionQoS3) {
    for (auto v : test::kAllVersions)
        expect_error(subscribe(v, "a", 0x03), v, kMalformed);
}

TEST(Malformed, RetainHandling3) {
    expect_error(subscribe(V5, "a", 0x30), V5, kMalformed);
    expect_error(subscribe(V5, "a", 0x31), V5, kMalformed);
}

// ---------------------------------------------------------------- 0x82 Protocol Error

TEST(ProtocolErrors, DuplicateProperties) {
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x03}) + str("a") + bytes({0x03}) + str("b"))), V5,
                 kProtocol);
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x11}) + u32(1) + bytes({0x11}) + u32(2))), V5,
                 kProtocol);
    expect_error(
        connect(V5, 0x06, str("c") + will(V5, "w", props(bytes({0x18}) + u32(1) + bytes({0x18}) + u32(1)))),
        V5, kProtocol);
    expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({0x21}) + u16(1) + bytes({0x21}) + u16(1))),
                 V5, kProtocol);
    expect_error(
        packet(0x40, u16(1) + bytes({0x00}) + props(bytes({0x1F}) + str("a") + bytes({0x1F}) + str("a"))), V5,
        kProtocol);
    // Subscription Identifier may appear once in SUBSCRIBE ...
    expect_error(subscribe(V5, "a", 0x00, 1, props(bytes({0x0B, 0x01, 0x0B, 0x02}))), V5, kProtocol);
}

TEST(ProtocolErrors, RepeatablePropertiesAreFine) {
    // ... but many times in PUBLISH; User Property anywhere.
    auto p = test::decode_as<Publish>(publish(V5, 0x30, "t", 0, props(bytes({0x0B, 0x01, 0x0B, 0x02}))), V5);
    EXPECT_EQ(p.properties.subscription_identifiers, (std::vector<std::uint32_t>{1, 2}));
    std::string two_users = bytes({0x26}) + str("k") + str("1") + bytes({0x26}) + str("k") + str("2");
    auto s = test::decode_as<Subscribe>(subscribe(V5, "a", 0x00, 1, props(two_users)), V5);
    EXPECT_EQ(s.properties.user_properties.size(), 2u);
    auto c = test::decode_as<Connect>(connect(V5, 0x02, str("c"), props(two_users)), V5);
    EXPECT_EQ(c.properties.user_properties.size(), 2u);
}

TEST(ProtocolErrors, BooleanPropertyValues) {
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x01, 0x02}))), V5, kProtocol);  // payload format
    expect_error(connect(V5, 0x06, str("c") + will(V5, "w", props(bytes({0x01, 0x02})))), V5, kProtocol);
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x17, 0x02}))), V5, kProtocol);  // request problem
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x19, 0x02}))), V5, kProtocol);  // request response
    for (unsigned id :
         {0x24u, 0x25u, 0x28u, 0x29u, 0x2Au}) {  // max QoS, retain/wildcard/sub-id/shared avail.
        expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({id, 0x02}))), V5, kProtocol);
        expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({id, 0xFF}))), V5, kProtocol);
        EXPECT_NO_THROW(test::decode_one(packet(0x20, bytes({0x00, 0x00}) + props(bytes({id, 0x01}))), V5));
    }
}

TEST(ProtocolErrors, ZeroValuedProperties) {
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x21}) + u16(0))), V5,
                 kProtocol);  // receive maximum
    expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({0x21}) + u16(0))), V5, kProtocol);
    expect_error(connect(V5, 0x02, str("c"), props(bytes({0x27}) + u32(0))), V5,
                 kProtocol);  // max packet size
    expect_error(packet(0x20, bytes({0x00, 0x00}) + props(bytes({0x27}) + u32(0))), V5, kProtocol);
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x23}) + u16(0))), V5,
                 ReasonCode::TopicAliasInvalid);  // topic alias 0 (spec 3.3.2.3.4)
    expect_error(publish(V5, 0x30, "t", 0, props(bytes({0x0B, 0x00}))), V5, kProtocol);  // subscription id
    expect_error(subscribe(V5, "a", 0x00, 1, props(bytes({0x0B, 0x00}))), V5, kProtocol);
}

TEST(ProtocolErrors, PacketIdZero) {
    for (auto v : test::kAllVersions) {
        SCOPED_TRACE(static_cast<int>(v));
        expect_error(subscribe(v, "a", 0x00, 0), v, kProtocol);
        expect_error(unsubscribe(v, "a", 0), v, kProtocol);
        expect_error(publish(v, 0x32, "t", 0), v, kProtocol);
        expect_error(publish(v, 0x34, "t", 0), v, kProtocol);
        expect_error(publish(v, 0x3B, "t", 0), v, kProtocol);
        expect_error(bytes({0x40, 0x02, 0x00, 0x00}), v, kProtocol);
        expect_error(bytes({0x50, 0x02, 0x00, 0x00}), v, kProtocol);
        expect_error(bytes({0x62, 0x02, 0x00, 0x00}), v, kProtocol);
        expect_error(bytes({0x70, 0x02, 0x00, 0x00}), v, kProtocol);
    }
    expect_error(bytes({0x40, 0x03, 0x00, 0x00, 0x10}), V5, kProtocol);
    // QoS 0 has no packet identifier at all: "00 00" is payload.
    const std::string qos0 = packet(0x30, str("t") + bytes({0x00, 0x00}));
    auto p = test::decode_as<Publish>(qos0, V311);
    EXPECT_EQ(p.packet_id, 0);
    EXPECT_EQ(p.payload, bytes({0x00, 0x00}));
}

TEST(ProtocolErrors, SubscribeWithoutFilters) {
    for (auto v : test::kAllVersions) {
        expect_error(packet(0x82, u16(1) + v5_props(v)), v, kProtocol);
        expect_error(packet(0xA2, u16(1) + v5_props(v)), v, kProtocol);
    }
}

TEST(ProtocolErrors, NoLocalOnSharedSubscription) {
    expect_error(subscribe(V5, "$share/group/a/b", 0x04), V5, kProtocol);
    expect_error(subscribe(V5, "$share/group/#", 0x05), V5, kProtocol);
    // Without No Local it is fine, and No Local on a normal filter is fine.
    EXPECT_NO_THROW(test::decode_one(subscribe(V5, "$share/group/a/b", 0x01), V5));
    EXPECT_NO_THROW(test::decode_one(subscribe(V5, "a/b", 0x04), V5));
}

TEST(ProtocolErrors, EmptyTopicWithoutAlias) {
    expect_error(publish(V5, 0x30, ""), V5, kProtocol);
    expect_error(publish(V5, 0x32, ""), V5, kProtocol);
    for (auto v : test::kV3Versions) {
        expect_error(publish(v, 0x30, ""), v, kProtocol);
        expect_error(publish(v, 0x34, ""), v, kProtocol);
    }
    // MQTT 5 with a topic alias: fine.
    const std::string aliased = publish(V5, 0x30, "", 0, props(bytes({0x23}) + u16(4)));
    auto p = test::decode_as<Publish>(aliased, V5);
    EXPECT_EQ(p.topic, "");
    EXPECT_EQ(p.properties.topic_alias, 4);
}

// ---------------------------------------------------------------- 0x84 Unsupported Protocol Version

TEST(UnsupportedProtocol, UnknownNameOrLevel) {
    struct Case {
        std::string name;
        unsigned level;
    };
    for (const auto& c : {Case{"MQTT", 3}, Case{"MQIsdp", 4}, Case{"MQIsdp", 5}, Case{"MQTT", 6},
                          Case{"MQTT", 0}, Case{"MQTT", 2}, Case{"MQTX", 4}, Case{"mqtt", 4},
                          Case{"MQTT ", 5}, Case{"", 4}, Case{"MQIsdp", 6}}) {
        SCOPED_TRACE(c.name + "/" + std::to_string(c.level));
        std::string data = packet(0x10, str(c.name) + bytes({c.level, 0x02}) + u16(60) + str("c"));
        for (auto v : test::kAllVersions)
            expect_error(data, v, ReasonCode::UnsupportedProtocolVersion);
    }
}

TEST(UnsupportedProtocol, BridgeBitIsAcceptedFor3xOnly) {
    // Mosquitto's try_private: protocol level | 0x80 announces a bridge (3.1 and 3.1.1 only).
    struct Case {
        std::string name;
        unsigned level;
        ProtocolVersion version;
    };
    for (const auto& c :
         {Case{"MQTT", 0x84, ProtocolVersion::V311}, Case{"MQIsdp", 0x83, ProtocolVersion::V31}}) {
        SCOPED_TRACE(c.name);
        const std::string data = packet(0x10, str(c.name) + bytes({c.level, 0x02}) + u16(60) + str("c"));
        const auto p = test::decode_one(data, ProtocolVersion::V311);
        const auto& connect = std::get<mqtt::Connect>(p);
        EXPECT_EQ(connect.version, c.version);
        EXPECT_TRUE(connect.bridge);
    }
    for (const auto& c : {Case{"MQTT", 0x85, ProtocolVersion::V5}, Case{"MQTT", 0x83, ProtocolVersion::V31},
                          Case{"MQIsdp", 0x84, ProtocolVersion::V311}}) {
        SCOPED_TRACE(c.name + "/" + std::to_string(c.level));
        const std::string data = packet(0x10, str(c.name) + bytes({c.level, 0x02}) + u16(60) + str("c"));
        expect_error(data, ProtocolVersion::V311, ReasonCode::UnsupportedProtocolVersion);
    }
}

// ---------------------------------------------------------------- 0x90 Topic Name invalid

TEST(TopicNameInvalid, WildcardsInPublishTopic) {
    for (auto v : test::kAllVersions) {
        for (std::string_view topic : {"+", "#", "a/+", "a/#", "sport+", "a/b#", "+/x"}) {
            SCOPED_TRACE(topic);
            expect_error(publish(v, 0x30, topic), v, ReasonCode::TopicNameInvalid);
            expect_error(publish(v, 0x32, topic), v, ReasonCode::TopicNameInvalid);
        }
    }
}

// ---------------------------------------------------------------- 0x8F Topic Filter invalid

const std::vector<std::string_view> kBadFilters = {
    "a/#/b",   "a+",        "#a",          "a#",          "a/b#",        "sport/tennis#",
    "+a",      "a/+b",      "##",          "++",          "#/",          "$share/grp",
    "$share/", "$share//a", "$share/g+/a", "$share/g#/a", "$share/grp/", "$share/grp/a/#/b",
};

TEST(TopicFilterInvalid, Subscribe) {
    for (auto v : test::kAllVersions) {
        for (auto f : kBadFilters) {
            SCOPED_TRACE(f);
            expect_error(subscribe(v, f, 0x01), v, ReasonCode::TopicFilterInvalid);
        }
    }
}

TEST(TopicFilterInvalid, Unsubscribe) {
    for (auto v : test::kAllVersions) {
        for (auto f : kBadFilters) {
            SCOPED_TRACE(f);
            expect_error(unsubscribe(v, f), v, ReasonCode::TopicFilterInvalid);
        }
    }
}

TEST(TopicFilterInvalid, EmptyFilter) {
    for (auto v : test::kAllVersions) {
        expect_error(subscribe(v, "", 0x01), v, ReasonCode::TopicFilterInvalid);
        expect_error(unsubscribe(v, ""), v, ReasonCode::TopicFilterInvalid);
    }
}

TEST(TopicFilterInvalid, ValidFiltersAccepted) {
    for (auto v : test::kAllVersions) {
        for (std::string_view f : {"#", "+", "a/#", "+/+", "/", "//", "a//b", "$SYS/#", "$share/g/#",
                                   "$share/g/+/x", "$share", "$sharex/a"}) {
            SCOPED_TRACE(f);
            EXPECT_NO_THROW(test::decode_one(subscribe(v, f, 0x01), v));
            EXPECT_NO_THROW(test::decode_one(unsubscribe(v, f), v));
        }
    }
}

// ---------------------------------------------------------------- 0x95 Packet Too Large

TEST(PacketTooLarge, DetectedFromTheFixedHeader) {
    // 1 + 1 + 8 = 10 bytes: exactly the limit is fine.
    auto h = parse_fixed_header(bytes({0x30, 0x08}), 10);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->packet_size(), 10u);
    try {
        parse_fixed_header(bytes({0x30, 0x09}), 10);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::PacketTooLarge);
    }
    // The header size counts: remaining length 128 needs two length bytes, 1 + 2 + 128 = 131.
    EXPECT_TRUE(parse_fixed_header(bytes({0x30, 0x80, 0x01}), 131).has_value());
    try {
        parse_fixed_header(bytes({0x30, 0x80, 0x01}), 130);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::PacketTooLarge);
    }
    // The largest packet the protocol allows passes the default limit.
    auto big = parse_fixed_header(bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), kMaxPacketSize);
    ASSERT_TRUE(big.has_value());
    EXPECT_EQ(big->packet_size(), std::size_t{kMaxPacketSize});
}

}  // namespace
}  // namespace tapmq::mqtt
