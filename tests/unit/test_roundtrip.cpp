// encode -> decode -> compare, and re-encode -> identical bytes, for every packet type in every protocol
// version where it exists, with every MQTT 5 property at least once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/byte_writer.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::decode_one;

// Checks every encoder entry point against the others, then the decode/re-encode round trip.
// Returns the encoded bytes.
std::string round_trip(const Packet& p, ProtocolVersion v) {
    std::string bytes = encode(p, v);
    EXPECT_EQ(encoded_size(p, v), bytes.size());
    EXPECT_FALSE(bytes.empty());
    if (bytes.empty()) return bytes;
    EXPECT_EQ(static_cast<unsigned>(static_cast<unsigned char>(bytes[0]) >> 4),
              static_cast<unsigned>(packet_type(p)));

    std::string into(bytes.size() + 1, '\x5A');
    char* end = encode_into(p, v, into.data());
    EXPECT_EQ(end, into.data() + bytes.size());
    EXPECT_EQ(into.substr(0, bytes.size()), bytes);
    EXPECT_EQ(into.back(), '\x5A') << "encode_into wrote past encoded_size";

    std::string appended = "prefix";
    encode_append(p, v, appended);
    EXPECT_EQ(appended, "prefix" + bytes);

    Packet q;
    try {
        q = decode_one(bytes, v);
    } catch (const ProtocolError& e) {
        ADD_FAILURE() << "decoding own encoding failed: " << e.what()
                      << "\n  packet: " << testing::PrintToString(p) << "\n  bytes: " << hex(bytes);
        return bytes;
    }
    EXPECT_EQ(q, p) << "bytes: " << hex(bytes);
    EXPECT_EQ(packet_type(q), packet_type(p));
    EXPECT_EQ(encode(q, v), bytes);
    return bytes;
}

// ---- rich MQTT 5 property sets, every property id at least once across them ----

Properties connect_props() {
    Properties p;
    p.session_expiry_interval = 3600;
    p.receive_maximum = 100;
    p.maximum_packet_size = 65536;
    p.topic_alias_maximum = 16;
    p.request_response_information = 1;
    p.request_problem_information = 0;
    p.authentication_method = "SCRAM-SHA-1";
    p.authentication_data = std::string_view("\x00\x01\x02\xFF", 4);
    p.user_properties = {{"client", "tapmq"}, {"client", "again"}};
    return p;
}

Properties will_props() {
    Properties p;
    p.payload_format_indicator = 1;
    p.message_expiry_interval = 86400;
    p.content_type = "text/plain; charset=utf-8";
    p.response_topic = "replies/will";
    p.correlation_data = "corr-1";
    p.will_delay_interval = 30;
    p.user_properties = {{"will", "yes"}};
    return p;
}

Properties connack_props() {
    Properties p;
    p.session_expiry_interval = 0;
    p.receive_maximum = 65535;
    p.maximum_qos = 1;
    p.retain_available = 0;
    p.maximum_packet_size = 1'048'576;
    p.assigned_client_identifier = "auto-5f3a";
    p.topic_alias_maximum = 10;
    p.reason_string = "welcome";
    p.user_properties = {{"server", "tapmq"}};
    p.wildcard_subscription_available = 1;
    p.subscription_identifier_available = 1;
    p.shared_subscription_available = 0;
    p.server_keep_alive = 120;
    p.response_information = "responses/";
    p.server_reference = "other:1883";
    p.authentication_method = "SCRAM-SHA-1";
    p.authentication_data = "server-final";
    return p;
}

Properties publish_props() {
    Properties p;
    p.payload_format_indicator = 0;
    p.message_expiry_interval = 60;
    p.topic_alias = 5;
    p.response_topic = "reply/to/me";
    p.correlation_data = std::string_view("\x00\xFF", 2);
    p.user_properties = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    p.subscription_identifiers = {1, 127, 128, 268'435'455};
    p.content_type = "application/octet-stream";
    return p;
}

Properties ack_props() {
    Properties p;
    p.reason_string = "reason \xE2\x9C\x93";
    p.user_properties = {{"trace", "abc"}};
    return p;
}

class RoundTrip : public testing::TestWithParam<ProtocolVersion> {
  protected:
    ProtocolVersion v() const { return GetParam(); }
    bool v5() const { return is_v5(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(AllVersions, RoundTrip, testing::ValuesIn(test::kAllVersions), test::version_name);

TEST_P(RoundTrip, ConnectMinimal) {
    Connect c;
    c.version = v();
    c.client_id = "client-1";
    std::string bytes = round_trip(c, v());
    // Protocol name and level on the wire.
    if (v() == ProtocolVersion::V31) {
        EXPECT_EQ(bytes.substr(2, 9), test::str("MQIsdp") + "\x03");
    } else {
        EXPECT_EQ(bytes.substr(2, 7), test::str("MQTT") + std::string(1, static_cast<char>(v())));
    }
}

TEST_P(RoundTrip, ConnectFlagsAndFields) {
    for (bool clean : {false, true}) {
        for (std::uint16_t keep_alive : {std::uint16_t{0}, std::uint16_t{10}, std::uint16_t{65535}}) {
            Connect c;
            c.version = v();
            c.clean_start = clean;
            c.keep_alive = keep_alive;
            c.client_id = "cid";
            SCOPED_TRACE(testing::PrintToString(c));
            round_trip(c, v());
        }
    }
}

TEST_P(RoundTrip, ConnectEmptyClientId) {
    if (v() == ProtocolVersion::V31) GTEST_SKIP() << "MQTT 3.1 client identifiers are 1..23 characters";
    Connect c;
    c.version = v();
    c.client_id = "";
    round_trip(c, v());
}

TEST_P(RoundTrip, ConnectWithWillUserPassword) {
    for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
        for (bool retain : {false, true}) {
            Connect c;
            c.version = v();
            c.clean_start = false;
            c.keep_alive = 30;
            c.client_id = "\xC3\xA9l\xC3\xA8ve";
            Will w;
            w.topic = "clients/last-will";
            w.payload = std::string_view("bye\x00\xFF", 5);
            w.qos = q;
            w.retain = retain;
            if (v5()) w.properties = will_props();
            c.will = w;
            c.username = "user";
            c.password = std::string_view("p\x00ss\xC0\x80", 6);  // binary data, not UTF-8
            if (v5()) c.properties = connect_props();
            SCOPED_TRACE(testing::PrintToString(c));
            round_trip(c, v());
        }
    }
}

TEST_P(RoundTrip, ConnectUsernameOnlyAndEmptyCredentials) {
    Connect c;
    c.version = v();
    c.client_id = "x";
    c.username = "only-user";
    round_trip(c, v());
    c.username = "";
    c.password = "";
    round_trip(c, v());
}

TEST_P(RoundTrip, ConnectEmptyWillPayload) {
    Connect c;
    c.version = v();
    c.client_id = "x";
    c.will = Will{};
    c.will->topic = "w";
    round_trip(c, v());
}

TEST(RoundTripV5, ConnectPasswordWithoutUsername) {
    Connect c;
    c.version = ProtocolVersion::V5;
    c.client_id = "x";
    c.password = "token";
    round_trip(c, ProtocolVersion::V5);
}

TEST_P(RoundTrip, Connack) {
    for (bool sp : {false, true}) {
        Connack c;
        c.session_present = sp;
        if (v5()) c.properties = connack_props();
        round_trip(c, v());
    }
    std::vector<ReasonCode> refusals = {ReasonCode::UnsupportedProtocolVersion,
                                        ReasonCode::ClientIdentifierNotValid, ReasonCode::ServerUnavailable,
                                        ReasonCode::BadUserNameOrPassword, ReasonCode::NotAuthorized};
    if (v5()) {
        refusals.insert(refusals.end(), {ReasonCode::UnspecifiedError, ReasonCode::MalformedPacket,
                                         ReasonCode::Banned, ReasonCode::ServerMoved,
                                         ReasonCode::QuotaExceeded, ReasonCode::ConnectionRateExceeded});
    }
    for (ReasonCode rc : refusals) {
        Connack c;
        c.reason = rc;
        if (v5()) {
            c.properties.reason_string = "refused";
            if (rc == ReasonCode::ServerMoved) c.properties.server_reference = "elsewhere:1883";
        }
        SCOPED_TRACE(testing::PrintToString(rc));
        std::string bytes = round_trip(c, v());
        if (!v5()) {
            ASSERT_EQ(bytes.size(), 4u);
            EXPECT_EQ(static_cast<int>(bytes[3]), to_v3_connack_code(rc));
        } else {
            EXPECT_EQ(static_cast<unsigned char>(bytes[3]), static_cast<unsigned>(rc));
        }
    }
}

TEST_P(RoundTrip, PublishAllQoSFlags) {
    for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
        for (bool retain : {false, true}) {
            for (bool dup : {false, true}) {
                if (dup && q == QoS::AtMostOnce) continue;  // DUP must be 0 at QoS 0
                Publish p;
                p.topic = "sport/tennis/player1";
                p.payload = "score 15-0";
                p.qos = q;
                p.retain = retain;
                p.dup = dup;
                p.packet_id = q == QoS::AtMostOnce ? 0 : 0xBEEF;
                SCOPED_TRACE(testing::PrintToString(p));
                std::string bytes = round_trip(p, v());
                unsigned flags = static_cast<unsigned char>(bytes[0]) & 0x0F;
                EXPECT_EQ(flags, (dup ? 8u : 0u) | (static_cast<unsigned>(q) << 1) | (retain ? 1u : 0u));
            }
        }
    }
}

TEST_P(RoundTrip, PublishPayloads) {
    std::string big(70'000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 31);
    for (std::string_view payload : {std::string_view(), std::string_view("\x00", 1),
                                     std::string_view("\xFF\xFE\xC0\x80", 4), std::string_view(big)}) {
        Publish p;
        p.topic = "t";
        p.payload = payload;
        p.qos = QoS::AtLeastOnce;
        p.packet_id = 1;
        round_trip(p, v());
    }
}

TEST_P(RoundTrip, PublishPacketIdExtremes) {
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{256}, std::uint16_t{65535}}) {
        Publish p;
        p.topic = "a/b";
        p.qos = QoS::ExactlyOnce;
        p.packet_id = id;
        round_trip(p, v());
    }
}

TEST_P(RoundTrip, PublishTopicShapes) {
    for (std::string_view topic : {"/", "a//b", "$SYS/broker/load", " ", "caf\xC3\xA9/\xF0\x9F\x98\x80"}) {
        Publish p;
        p.topic = topic;
        p.payload = "x";
        round_trip(p, v());
    }
}

TEST(RoundTripV5, PublishRichProperties) {
    for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
        Publish p;
        p.topic = "sensors/1/temp";
        p.payload = "21.5";
        p.qos = q;
        p.packet_id = q == QoS::AtMostOnce ? 0 : 42;
        p.retain = true;
        p.properties = publish_props();
        round_trip(p, ProtocolVersion::V5);
    }
}

TEST(RoundTripV5, PublishEmptyTopicWithAlias) {
    Publish p;
    p.topic = "";
    p.payload = "aliased";
    p.properties.topic_alias = 1;
    std::string bytes = round_trip(p, ProtocolVersion::V5);
    // 30 len | 00 00 (empty topic) | 03 23 00 01 | payload
    EXPECT_EQ(bytes.substr(2, 6), test::bytes({0x00, 0x00, 0x03, 0x23, 0x00, 0x01}));
}

TEST(RoundTripV5, PublishPropertiesIgnoredInV3) {
    // MQTT 3.x has no properties: encoding a packet that carries some as 3.1.1 drops them.
    Publish p;
    p.topic = "a";
    p.payload = "b";
    p.properties.user_properties = {{"k", "v"}};
    std::string bytes = encode(p, ProtocolVersion::V311);
    EXPECT_EQ(bytes, test::bytes({0x30, 0x04, 0x00, 0x01, 'a', 'b'}));
}

template <typename T>
void publish_response_round_trip(ProtocolVersion v, ReasonCode error) {
    SCOPED_TRACE(to_string(T::kType));
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{0x1234}, std::uint16_t{65535}}) {
        T p;
        p.packet_id = id;
        std::string bytes = round_trip(p, v);
        // Success without properties is the short form in every version.
        EXPECT_EQ(bytes.size(), 4u);
        EXPECT_EQ(bytes.substr(1), test::bytes({0x02, static_cast<unsigned>(id >> 8), id & 0xFFu}));
    }
    if (!is_v5(v)) return;
    T p;
    p.packet_id = 7;
    p.reason = error;
    round_trip(p, v);
    p.properties = ack_props();
    round_trip(p, v);
    p.reason = ReasonCode::Success;
    round_trip(p, v);  // Success with properties needs the reason byte
}

TEST_P(RoundTrip, PublishResponses) {
    publish_response_round_trip<Puback>(v(), ReasonCode::NoMatchingSubscribers);
    publish_response_round_trip<Puback>(v(), ReasonCode::QuotaExceeded);
    publish_response_round_trip<Pubrec>(v(), ReasonCode::PayloadFormatInvalid);
    publish_response_round_trip<Pubrel>(v(), ReasonCode::PacketIdentifierNotFound);
    publish_response_round_trip<Pubcomp>(v(), ReasonCode::PacketIdentifierNotFound);
}

TEST_P(RoundTrip, PubrelUsesFlagsTwo) {
    Pubrel p;
    p.packet_id = 9;
    std::string bytes = round_trip(p, v());
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x62);
}

TEST_P(RoundTrip, Subscribe) {
    Subscribe s;
    s.packet_id = 10;
    s.topics = {{"a/b", {QoS::AtMostOnce}},
                {"c/+/d", {QoS::AtLeastOnce}},
                {"#", {QoS::ExactlyOnce}},
                {"$share/group/sensors/#", {QoS::AtLeastOnce}},
                {"\xC3\xA9t\xC3\xA9/+", {QoS::AtMostOnce}}};
    std::string bytes = round_trip(s, v());
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x82);
}

TEST_P(RoundTrip, SubscribeSingleTopic) {
    Subscribe s;
    s.packet_id = 65535;
    s.topics = {{"x", {QoS::ExactlyOnce}}};
    round_trip(s, v());
}

TEST(RoundTripV5, SubscribeOptionsAndProperties) {
    Subscribe s;
    s.packet_id = 1;
    for (int rh = 0; rh <= 2; ++rh) {
        for (bool nl : {false, true}) {
            for (bool rap : {false, true}) {
                for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
                    s.topics.push_back({"opts/test", {q, nl, rap, static_cast<std::uint8_t>(rh)}});
                }
            }
        }
    }
    s.topics.push_back({"$share/g/x", {QoS::AtLeastOnce, false, true, 2}});
    s.properties.subscription_identifiers = {268'435'455};
    s.properties.user_properties = {{"sub", "prop"}};
    round_trip(s, ProtocolVersion::V5);
}

TEST_P(RoundTrip, Suback) {
    Suback s;
    s.packet_id = 10;
    s.reasons = {ReasonCode::GrantedQoS1, ReasonCode::Success, ReasonCode::GrantedQoS2,
                 ReasonCode::UnspecifiedError};
    if (v5()) {
        s.reasons.insert(
            s.reasons.end(),
            {ReasonCode::NotAuthorized, ReasonCode::TopicFilterInvalid,
             ReasonCode::SharedSubscriptionsNotSupported, ReasonCode::WildcardSubscriptionsNotSupported,
             ReasonCode::QuotaExceeded, ReasonCode::SubscriptionIdentifiersNotSupported,
             ReasonCode::ImplementationSpecificError, ReasonCode::PacketIdentifierInUse});
        s.properties = ack_props();
    }
    round_trip(s, v());
}

TEST(RoundTripV3, SubackErrorsBecome0x80) {
    for (auto v : test::kV3Versions) {
        Suback s;
        s.packet_id = 3;
        s.reasons = {ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized, ReasonCode::TopicFilterInvalid};
        std::string bytes = encode(s, v);
        EXPECT_EQ(bytes, test::bytes({0x90, 0x05, 0x00, 0x03, 0x01, 0x80, 0x80}));
        auto decoded = test::decode_as<Suback>(bytes, v);
        EXPECT_EQ(decoded.reasons,
                  (std::vector<ReasonCode>{ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError,
                                           ReasonCode::UnspecifiedError}));
    }
}

TEST_P(RoundTrip, Unsubscribe) {
    Unsubscribe u;
    u.packet_id = 0x0102;
    u.filters = {"a/b", "c/#", "+/+", "$share/g/t"};
    if (v5()) u.properties.user_properties = {{"unsub", "1"}};
    std::string bytes = round_trip(u, v());
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xA2);
}

TEST_P(RoundTrip, Unsuback) {
    Unsuback u;
    u.packet_id = 77;
    if (v5()) {
        u.reasons = {ReasonCode::Success, ReasonCode::NoSubscriptionExisted, ReasonCode::NotAuthorized,
                     ReasonCode::TopicFilterInvalid, ReasonCode::UnspecifiedError};
        u.properties = ack_props();
    }
    std::string bytes = round_trip(u, v());
    if (!v5()) {
        EXPECT_EQ(bytes, test::bytes({0xB0, 0x02, 0x00, 77}));
    }
}

TEST_P(RoundTrip, PingreqPingresp) {
    EXPECT_EQ(round_trip(Pingreq{}, v()), test::bytes({0xC0, 0x00}));
    EXPECT_EQ(round_trip(Pingresp{}, v()), test::bytes({0xD0, 0x00}));
}

TEST_P(RoundTrip, DisconnectNormal) {
    EXPECT_EQ(round_trip(Disconnect{}, v()), test::bytes({0xE0, 0x00}));
}

TEST(RoundTripV5, DisconnectReasonsAndProperties) {
    for (ReasonCode rc :
         {ReasonCode::Success, ReasonCode::DisconnectWithWillMessage, ReasonCode::ServerShuttingDown,
          ReasonCode::KeepAliveTimeout, ReasonCode::SessionTakenOver, ReasonCode::UseAnotherServer}) {
        Disconnect d;
        d.reason = rc;
        round_trip(d, ProtocolVersion::V5);
        d.properties.session_expiry_interval = 0;
        d.properties.reason_string = "bye";
        d.properties.server_reference = "next:1883";
        d.properties.user_properties = {{"k", "v"}};
        round_trip(d, ProtocolVersion::V5);
    }
}

TEST(RoundTripV5, Auth) {
    EXPECT_EQ(round_trip(Auth{}, ProtocolVersion::V5), test::bytes({0xF0, 0x00}));
    for (ReasonCode rc :
         {ReasonCode::Success, ReasonCode::ContinueAuthentication, ReasonCode::ReAuthenticate}) {
        Auth a;
        a.reason = rc;
        a.properties.authentication_method = "SCRAM-SHA-256";
        a.properties.authentication_data = std::string_view("\x01\x00\x02", 3);
        a.properties.reason_string = "step";
        a.properties.user_properties = {{"round", "2"}};
        round_trip(a, ProtocolVersion::V5);
    }
}

TEST(RoundTripV5, LargeRemainingLengths) {
    // Remaining lengths that straddle each variable byte integer boundary.
    for (std::size_t target : {127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u}) {
        std::size_t overhead = 2 + 1 + 1;  // topic length + "t" + empty property length
        std::string payload(target - overhead, 'p');
        Publish p;
        p.topic = "t";
        p.payload = payload;
        std::string bytes = round_trip(p, ProtocolVersion::V5);
        auto h = parse_fixed_header(bytes, kMaxPacketSize);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->remaining_length, target);
        EXPECT_EQ(h->header_size, 1 + varint_size(static_cast<std::uint32_t>(target)));
    }
}

TEST(RoundTripViews, DecodedStringsPointIntoTheBuffer) {
    Publish p;
    p.topic = "a/b";
    p.payload = "hello";
    p.properties.content_type = "text";
    std::string bytes = encode(p, ProtocolVersion::V5);
    auto q = test::decode_as<Publish>(bytes, ProtocolVersion::V5);
    const char* begin = bytes.data();
    const char* end = bytes.data() + bytes.size();
    for (std::string_view s : {q.topic, q.payload, *q.properties.content_type}) {
        EXPECT_GE(s.data(), begin);
        EXPECT_LE(s.data() + s.size(), end);
    }
    EXPECT_EQ(q.payload.data(), end - 5);
}

TEST(PacketTypeOf, EveryAlternative) {
    EXPECT_EQ(packet_type(Connect{}), PacketType::Connect);
    EXPECT_EQ(packet_type(Connack{}), PacketType::Connack);
    EXPECT_EQ(packet_type(Publish{}), PacketType::Publish);
    EXPECT_EQ(packet_type(Puback{}), PacketType::Puback);
    EXPECT_EQ(packet_type(Pubrec{}), PacketType::Pubrec);
    EXPECT_EQ(packet_type(Pubrel{}), PacketType::Pubrel);
    EXPECT_EQ(packet_type(Pubcomp{}), PacketType::Pubcomp);
    EXPECT_EQ(packet_type(Subscribe{}), PacketType::Subscribe);
    EXPECT_EQ(packet_type(Suback{}), PacketType::Suback);
    EXPECT_EQ(packet_type(Unsubscribe{}), PacketType::Unsubscribe);
    EXPECT_EQ(packet_type(Unsuback{}), PacketType::Unsuback);
    EXPECT_EQ(packet_type(Pingreq{}), PacketType::Pingreq);
    EXPECT_EQ(packet_type(Pingresp{}), PacketType::Pingresp);
    EXPECT_EQ(packet_type(Disconnect{}), PacketType::Disconnect);
    EXPECT_EQ(packet_type(Auth{}), PacketType::Auth);
}

TEST(Names, DistinctAndNonEmpty) {
    std::vector<std::string_view> names;
    for (int t = 1; t <= 15; ++t)
        names.push_back(to_string(static_cast<PacketType>(t)));
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_FALSE(names[i].empty());
        for (std::size_t j = i + 1; j < names.size(); ++j)
            EXPECT_NE(names[i], names[j]);
    }
    EXPECT_NE(to_string(ProtocolVersion::V31), to_string(ProtocolVersion::V311));
    EXPECT_NE(to_string(ProtocolVersion::V311), to_string(ProtocolVersion::V5));
    EXPECT_NE(to_string(ReasonCode::Success), to_string(ReasonCode::MalformedPacket));
    EXPECT_FALSE(to_string(ReasonCode::WildcardSubscriptionsNotSupported).empty());
}

TEST(ReasonCodes, V3ConnackMapping) {
    struct Case {
        std::uint8_t v3;
        ReasonCode rc;
    };
    for (auto c : {Case{0, ReasonCode::Success}, Case{1, ReasonCode::UnsupportedProtocolVersion},
                   Case{2, ReasonCode::ClientIdentifierNotValid}, Case{3, ReasonCode::ServerUnavailable},
                   Case{4, ReasonCode::BadUserNameOrPassword}, Case{5, ReasonCode::NotAuthorized}}) {
        EXPECT_EQ(to_v3_connack_code(c.rc), c.v3);
        EXPECT_EQ(from_v3_connack_code(c.v3), c.rc);
    }
    EXPECT_TRUE(is_error(ReasonCode::UnspecifiedError));
    EXPECT_TRUE(is_error(ReasonCode::PacketTooLarge));
    EXPECT_FALSE(is_error(ReasonCode::GrantedQoS2));
    EXPECT_FALSE(is_error(ReasonCode::ReAuthenticate));
}

}  // namespace
}  // namespace tapmq::mqtt
