// The non-normative examples of the MQTT 3.1.1 and 5.0 specifications, byte for byte: the decoder must
// read their fields and the encoder must write exactly those bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::bytes;
using test::decode_as;
using test::packet;
using test::str;

constexpr auto V31 = ProtocolVersion::V31;
constexpr auto V311 = ProtocolVersion::V311;
constexpr auto V5 = ProtocolVersion::V5;

// 3.1.1 section 3.1.2.10, figure 3.6: protocol name, level 4, flags 0xCE, keep alive 10.
TEST(SpecExamples, Connect311VariableHeader) {
    const std::string variable_header = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xCE, 0x00, 0x0A});
    const std::string data = packet(
        0x10, variable_header + str("cid") + str("will/topic") + str("will msg") + str("user") + str("pw"));
    auto c = decode_as<Connect>(data, V311);
    EXPECT_EQ(c.version, V311);
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 10);
    EXPECT_EQ(c.client_id, "cid");
    ASSERT_TRUE(c.will.has_value());
    EXPECT_EQ(c.will->qos, QoS::AtLeastOnce);
    EXPECT_FALSE(c.will->retain);
    EXPECT_EQ(c.will->topic, "will/topic");
    EXPECT_EQ(c.will->payload, "will msg");
    EXPECT_TRUE(c.will->properties.empty());
    EXPECT_EQ(c.username, "user");
    EXPECT_EQ(c.password, "pw");
    EXPECT_TRUE(c.properties.empty());

    Connect built;
    built.version = V311;
    built.clean_start = true;
    built.keep_alive = 10;
    built.client_id = "cid";
    built.will = Will{"will/topic", "will msg", QoS::AtLeastOnce, false, {}};
    built.username = "user";
    built.password = "pw";
    EXPECT_EQ(c, built);
    EXPECT_EQ(encode(built, V311), data);
}

// MQTT 5 section 3.1.2.11 (variable header example): as above with level 5 and the properties
// length 5, Session Expiry Interval (17) = 10.
TEST(SpecExamples, Connect5VariableHeader) {
    const std::string variable_header =
        bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A});
    const std::string data = packet(0x10, variable_header + str("cid") + bytes({0x00}) + str("will/topic") +
                                              str("will msg") + str("user") + str("pw"));
    auto c = decode_as<Connect>(data, V311);  // CONNECT carries its own version
    EXPECT_EQ(c.version, V5);
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 10);
    EXPECT_EQ(c.properties.session_expiry_interval, 10u);
    Properties only_expiry;
    only_expiry.session_expiry_interval = 10;
    EXPECT_EQ(c.properties, only_expiry);
    ASSERT_TRUE(c.will.has_value());
    EXPECT_EQ(c.will->qos, QoS::AtLeastOnce);
    EXPECT_TRUE(c.will->properties.empty());
    EXPECT_EQ(c.username, "user");
    EXPECT_EQ(c.password, "pw");

    Connect built;
    built.version = V5;
    built.keep_alive = 10;
    built.client_id = "cid";
    built.will = Will{"will/topic", "will msg", QoS::AtLeastOnce, false, {}};
    built.username = "user";
    built.password = "pw";
    built.properties = only_expiry;
    EXPECT_EQ(c, built);
    EXPECT_EQ(encode(built, V5), data);
}

TEST(SpecExamples, Connect31ProtocolName) {
    const std::string data = packet(
        0x10, bytes({0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x3C}) + str("client"));
    auto c = decode_as<Connect>(data, V311);
    EXPECT_EQ(c.version, V31);
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 60);
    EXPECT_EQ(c.client_id, "client");
    EXPECT_FALSE(c.will.has_value());
    EXPECT_FALSE(c.username.has_value());
    EXPECT_FALSE(c.password.has_value());
    EXPECT_EQ(encode(c, V31), data);
}

TEST(SpecExamples, ConnectFlagBits) {
    // Will QoS 2 + will retain + clean start, no credentials: 0x36.
    const std::string data = packet(0x10, bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x36, 0x00, 0x00}) +
                                              str("c") + str("t") + str(""));
    auto c = decode_as<Connect>(data, V311);
    ASSERT_TRUE(c.will.has_value());
    EXPECT_EQ(c.will->qos, QoS::ExactlyOnce);
    EXPECT_TRUE(c.will->retain);
    EXPECT_EQ(c.will->payload, "");
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 0);
    EXPECT_EQ(encode(c, V311), data);

    // Only the user name flag, clean start off: 0x80.
    const std::string data2 =
        packet(0x10, bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x80, 0xFF, 0xFF}) + str("c") + str("u"));
    auto c2 = decode_as<Connect>(data2, V311);
    EXPECT_FALSE(c2.clean_start);
    EXPECT_EQ(c2.keep_alive, 65535);
    EXPECT_EQ(c2.username, "u");
    EXPECT_FALSE(c2.password.has_value());
    EXPECT_EQ(encode(c2, V311), data2);
}

TEST(SpecExamples, Connack311) {
    auto c = decode_as<Connack>(bytes({0x20, 0x02, 0x00, 0x00}), V311);
    EXPECT_FALSE(c.session_present);
    EXPECT_EQ(c.reason, ReasonCode::Success);
    c = decode_as<Connack>(bytes({0x20, 0x02, 0x01, 0x00}), V311);
    EXPECT_TRUE(c.session_present);
    EXPECT_EQ(encode(c, V311), bytes({0x20, 0x02, 0x01, 0x00}));
}

TEST(SpecExamples, Connack3ReturnCodes) {
    const std::vector<ReasonCode> expected = {ReasonCode::Success,
                                              ReasonCode::UnsupportedProtocolVersion,
                                              ReasonCode::ClientIdentifierNotValid,
                                              ReasonCode::ServerUnavailable,
                                              ReasonCode::BadUserNameOrPassword,
                                              ReasonCode::NotAuthorized};
    for (auto v : test::kV3Versions) {
        for (unsigned code = 0; code < expected.size(); ++code) {
            const std::string data = bytes({0x20, 0x02, 0x00, code});
            auto c = decode_as<Connack>(data, v);
            EXPECT_EQ(c.reason, expected[code]) << code;
            EXPECT_TRUE(c.properties.empty());
            Connack built;
            built.reason = expected[code];
            EXPECT_EQ(encode(built, v), data);
        }
    }
}

TEST(SpecExamples, Connack5Minimal) {
    const std::string data = bytes({0x20, 0x03, 0x00, 0x00, 0x00});
    auto c = decode_as<Connack>(data, V5);
    EXPECT_EQ(c, Connack{});
    EXPECT_EQ(encode(Connack{}, V5), data);
    auto refused = decode_as<Connack>(bytes({0x20, 0x03, 0x00, 0x8A, 0x00}), V5);
    EXPECT_EQ(refused.reason, ReasonCode::Banned);
}

// 3.1.1 section 3.3.2.3, figure 3.12: topic "a/b", packet identifier 10.
TEST(SpecExamples, Publish311VariableHeader) {
    const std::string data = bytes({0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'});
    auto p = decode_as<Publish>(data, V311);
    EXPECT_EQ(p.topic, "a/b");
    EXPECT_EQ(p.packet_id, 10);
    EXPECT_EQ(p.qos, QoS::AtLeastOnce);
    EXPECT_FALSE(p.retain);
    EXPECT_FALSE(p.dup);
    EXPECT_EQ(p.payload, "hi");
    EXPECT_EQ(encode(p, V311), data);
}

// MQTT 5 section 3.3.2.3 example: topic "a/b", packet identifier 10, no properties.
TEST(SpecExamples, Publish5VariableHeader) {
    const std::string data = bytes({0x3D, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00});
    auto p = decode_as<Publish>(data, V5);
    EXPECT_EQ(p.topic, "a/b");
    EXPECT_EQ(p.packet_id, 10);
    EXPECT_EQ(p.qos, QoS::ExactlyOnce);
    EXPECT_TRUE(p.retain);
    EXPECT_TRUE(p.dup);
    EXPECT_EQ(p.payload, "");
    EXPECT_TRUE(p.properties.empty());
    EXPECT_EQ(encode(p, V5), data);
}

TEST(SpecExamples, PublishQoS0HasNoPacketId) {
    const std::string data = bytes({0x31, 0x06, 0x00, 0x01, 't', 'a', 'b', 'c'});
    auto p = decode_as<Publish>(data, V311);
    EXPECT_EQ(p.topic, "t");
    EXPECT_EQ(p.packet_id, 0);
    EXPECT_EQ(p.qos, QoS::AtMostOnce);
    EXPECT_TRUE(p.retain);
    EXPECT_EQ(p.payload, "abc");
    EXPECT_EQ(encode(p, V311), data);
}

// Spec 1.5.3 / 1.5.4 UTF-8 example: "A" followed by U+2A6D4, length 5.
TEST(SpecExamples, Utf8StringExampleAsTopic) {
    const std::string topic = bytes({0x41, 0xF0, 0xAA, 0x9B, 0x94});
    const std::string data = bytes({0x30, 0x07, 0x00, 0x05}) + topic;
    auto p = decode_as<Publish>(data, V311);
    EXPECT_EQ(p.topic, topic);
    EXPECT_EQ(encode(p, V311), data);
}

TEST(SpecExamples, Publish5WithProperties) {
    // Topic "t", QoS 0, properties: payload format 1, message expiry 60, topic alias 2, user ("k","v").
    const std::string props = bytes({0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x3C, 0x23, 0x00, 0x02}) +
                              bytes({0x26}) + str("k") + str("v");
    const std::string data = packet(0x30, str("t") + test::props(props) + "payload");
    auto p = decode_as<Publish>(data, V5);
    EXPECT_EQ(p.topic, "t");
    EXPECT_EQ(p.payload, "payload");
    EXPECT_EQ(p.properties.payload_format_indicator, 1);
    EXPECT_EQ(p.properties.message_expiry_interval, 60u);
    EXPECT_EQ(p.properties.topic_alias, 2);
    ASSERT_EQ(p.properties.user_properties.size(), 1u);
    EXPECT_EQ(p.properties.user_properties[0], (UserProperty{"k", "v"}));
    EXPECT_EQ(encode(p, V5), data);
}

TEST(SpecExamples, PublishResponses311) {
    struct Case {
        std::uint8_t first;
        PacketType type;
    };
    for (auto c : {Case{0x40, PacketType::Puback}, Case{0x50, PacketType::Pubrec},
                   Case{0x62, PacketType::Pubrel}, Case{0x70, PacketType::Pubcomp}}) {
        const std::string data = bytes({c.first, 0x02, 0x00, 0x0A});
        Packet p = test::decode_one(data, V311);
        EXPECT_EQ(packet_type(p), c.type);
        std::visit(
            [&](const auto& x) {
                if constexpr (requires { std::decay_t<decltype(x)>::kType; }) {
                    EXPECT_EQ(x.packet_id, 10);
                    EXPECT_EQ(x.reason, ReasonCode::Success);
                } else {
                    ADD_FAILURE() << "not a publish response";
                }
            },
            p);
        EXPECT_EQ(encode(p, V311), data);
    }
}

TEST(SpecExamples, Puback5ShortAndLongForms) {
    // Remaining length 2: reason Success, no properties.
    auto a = decode_as<Puback>(bytes({0x40, 0x02, 0x00, 0x0A}), V5);
    EXPECT_EQ(a.packet_id, 10);
    EXPECT_EQ(a.reason, ReasonCode::Success);
    EXPECT_TRUE(a.properties.empty());
    // The encoder omits reason and properties for Success without properties.
    EXPECT_EQ(encode(a, V5), bytes({0x40, 0x02, 0x00, 0x0A}));

    // Remaining length 3: reason only.
    auto b = decode_as<Puback>(bytes({0x40, 0x03, 0x00, 0x0A, 0x10}), V5);
    EXPECT_EQ(b.reason, ReasonCode::NoMatchingSubscribers);
    EXPECT_TRUE(b.properties.empty());
    // Remaining length 4: reason and an empty property block.
    auto c = decode_as<Puback>(bytes({0x40, 0x04, 0x00, 0x0A, 0x10, 0x00}), V5);
    EXPECT_EQ(c, b);
    // Explicit Success with empty properties is also Success.
    auto d = decode_as<Pubcomp>(bytes({0x70, 0x04, 0x00, 0x0A, 0x00, 0x00}), V5);
    EXPECT_EQ(d.reason, ReasonCode::Success);
    EXPECT_EQ(encode(d, V5), bytes({0x70, 0x02, 0x00, 0x0A}));

    auto r = decode_as<Pubrel>(bytes({0x62, 0x03, 0x00, 0x0A, 0x92}), V5);
    EXPECT_EQ(r.reason, ReasonCode::PacketIdentifierNotFound);
}

// 3.1.1 section 3.8.2 / 3.8.3: packet identifier 10, topics "a/b" QoS 1 and "c/d" QoS 2.
TEST(SpecExamples, Subscribe311) {
    const std::string data =
        bytes({0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01, 0x00, 0x03, 'c', '/', 'd', 0x02});
    auto s = decode_as<Subscribe>(data, V311);
    EXPECT_EQ(s.packet_id, 10);
    ASSERT_EQ(s.topics.size(), 2u);
    EXPECT_EQ(s.topics[0].filter, "a/b");
    EXPECT_EQ(s.topics[0].options, (SubscriptionOptions{QoS::AtLeastOnce}));
    EXPECT_EQ(s.topics[1].filter, "c/d");
    EXPECT_EQ(s.topics[1].options, (SubscriptionOptions{QoS::ExactlyOnce}));
    EXPECT_EQ(encode(s, V311), data);
}

// MQTT 5 section 3.8.2: packet identifier 10, property length 0; options with every flag.
TEST(SpecExamples, Subscribe5) {
    const std::string data = bytes(
        {0x82, 0x0F, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x2D, 0x00, 0x03, 'c', '/', 'd', 0x12});
    auto s = decode_as<Subscribe>(data, V5);
    EXPECT_EQ(s.packet_id, 10);
    ASSERT_EQ(s.topics.size(), 2u);
    // 0x2D = retain handling 2, retain as published, no local, QoS 1.
    EXPECT_EQ(s.topics[0].options, (SubscriptionOptions{QoS::AtLeastOnce, true, true, 2}));
    // 0x12 = retain handling 1, QoS 2.
    EXPECT_EQ(s.topics[1].options, (SubscriptionOptions{QoS::ExactlyOnce, false, false, 1}));
    EXPECT_TRUE(s.properties.empty());
    EXPECT_EQ(encode(s, V5), data);
}

TEST(SpecExamples, Subscribe5SubscriptionIdentifier) {
    const std::string data = packet(0x82, bytes({0x00, 0x01, 0x02, 0x0B, 0x05}) + str("x") + bytes({0x00}));
    auto s = decode_as<Subscribe>(data, V5);
    EXPECT_EQ(s.properties.subscription_identifiers, (std::vector<std::uint32_t>{5}));
    EXPECT_EQ(encode(s, V5), data);
}

// 3.1.1 section 3.9.3, figure 3.26: granted QoS 0, granted QoS 2, failure.
TEST(SpecExamples, Suback311) {
    const std::string data = bytes({0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80});
    auto s = decode_as<Suback>(data, V311);
    EXPECT_EQ(s.packet_id, 10);
    EXPECT_EQ(s.reasons, (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::GrantedQoS2,
                                                  ReasonCode::UnspecifiedError}));
    EXPECT_EQ(encode(s, V311), data);
}

TEST(SpecExamples, Suback5) {
    const std::string data = bytes({0x90, 0x06, 0x00, 0x0A, 0x00, 0x01, 0x87, 0xA2});
    auto s = decode_as<Suback>(data, V5);
    EXPECT_EQ(s.reasons, (std::vector<ReasonCode>{ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized,
                                                  ReasonCode::WildcardSubscriptionsNotSupported}));
    EXPECT_EQ(encode(s, V5), data);
}

// 3.1.1 section 3.10.3, figure 3.30: "a/b" and "c/d".
TEST(SpecExamples, Unsubscribe311) {
    const std::string data =
        bytes({0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'});
    auto u = decode_as<Unsubscribe>(data, V311);
    EXPECT_EQ(u.packet_id, 10);
    EXPECT_EQ(u.filters, (std::vector<std::string_view>{"a/b", "c/d"}));
    EXPECT_EQ(encode(u, V311), data);
}

TEST(SpecExamples, Unsubscribe5) {
    const std::string data =
        bytes({0xA2, 0x0D, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'});
    auto u = decode_as<Unsubscribe>(data, V5);
    EXPECT_EQ(u.filters, (std::vector<std::string_view>{"a/b", "c/d"}));
    EXPECT_EQ(encode(u, V5), data);
}

TEST(SpecExamples, Unsuback) {
    const std::string v3 = bytes({0xB0, 0x02, 0x00, 0x0A});
    auto u3 = decode_as<Unsuback>(v3, V311);
    EXPECT_EQ(u3.packet_id, 10);
    EXPECT_TRUE(u3.reasons.empty());
    EXPECT_EQ(encode(u3, V311), v3);

    const std::string v5 = bytes({0xB0, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x11});
    auto u5 = decode_as<Unsuback>(v5, V5);
    EXPECT_EQ(u5.reasons, (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::NoSubscriptionExisted}));
    EXPECT_EQ(encode(u5, V5), v5);
}

TEST(SpecExamples, PingAndDisconnect) {
    for (auto v : test::kAllVersions) {
        EXPECT_EQ(test::decode_one(bytes({0xC0, 0x00}), v), Packet{Pingreq{}});
        EXPECT_EQ(test::decode_one(bytes({0xD0, 0x00}), v), Packet{Pingresp{}});
        EXPECT_EQ(test::decode_one(bytes({0xE0, 0x00}), v), Packet{Disconnect{}});
        EXPECT_EQ(encode(Pingreq{}, v), bytes({0xC0, 0x00}));
        EXPECT_EQ(encode(Pingresp{}, v), bytes({0xD0, 0x00}));
        EXPECT_EQ(encode(Disconnect{}, v), bytes({0xE0, 0x00}));
    }
}

TEST(SpecExamples, Disconnect5ReasonOnly) {
    auto d = decode_as<Disconnect>(bytes({0xE0, 0x01, 0x04}), V5);
    EXPECT_EQ(d.reason, ReasonCode::DisconnectWithWillMessage);
    EXPECT_TRUE(d.properties.empty());
    auto d2 = decode_as<Disconnect>(bytes({0xE0, 0x02, 0x8E, 0x00}), V5);
    EXPECT_EQ(d2.reason, ReasonCode::SessionTakenOver);
    // A non-success reason is always written.
    std::string encoded = encode(d, V5);
    ASSERT_GE(encoded.size(), 3u);
    EXPECT_EQ(encoded[2], '\x04');
    EXPECT_EQ(test::decode_one(encoded, V5), Packet{d});
}

TEST(SpecExamples, Auth5) {
    EXPECT_EQ(decode_as<Auth>(bytes({0xF0, 0x00}), V5), Auth{});
    EXPECT_EQ(encode(Auth{}, V5), bytes({0xF0, 0x00}));
    const std::string data = packet(0xF0, bytes({0x18}) + test::props(bytes({0x15}) + str("PLAIN")));
    auto a = decode_as<Auth>(data, V5);
    EXPECT_EQ(a.reason, ReasonCode::ContinueAuthentication);
    EXPECT_EQ(a.properties.authentication_method, "PLAIN");
    EXPECT_EQ(encode(a, V5), data);
}

TEST(SpecExamples, RemainingLengthEncodingOfRealPackets) {
    // A PUBLISH whose remaining length is exactly 128 uses two length bytes 0x80 0x01.
    std::string payload(128 - 3, 'z');
    Publish p;
    p.topic = "t";
    p.payload = payload;
    std::string data = encode(p, V311);
    ASSERT_EQ(data.size(), 131u);
    EXPECT_EQ(data.substr(0, 3), bytes({0x30, 0x80, 0x01}));
    // And one of 127 uses the single byte 0x7F.
    p.payload = std::string_view(payload).substr(1);
    data = encode(p, V311);
    ASSERT_EQ(data.size(), 129u);
    EXPECT_EQ(data.substr(0, 2), bytes({0x30, 0x7F}));
}

}  // namespace
}  // namespace tapmq::mqtt
