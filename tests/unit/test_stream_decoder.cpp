// StreamDecoder: partial packets, many packets per buffer, byte-by-byte input, version switching and
// early detection of packets that are too large.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::bytes;

Publish sample_publish(std::string_view payload = "hello world") {
    Publish p;
    p.topic = "sensors/kitchen/temp";
    p.payload = payload;
    p.qos = QoS::AtLeastOnce;
    p.packet_id = 321;
    return p;
}

Connect sample_connect(ProtocolVersion v) {
    Connect c;
    c.version = v;
    c.client_id = "stream-client";
    c.keep_alive = 15;
    if (is_v5(v)) c.properties.session_expiry_interval = 60;
    return c;
}

TEST(StreamDecoder, EmptyBuffer) {
    StreamDecoder d;
    std::string_view buffer;
    EXPECT_FALSE(d.next(buffer).has_value());
    EXPECT_EQ(d.bytes_needed(), 0u);
    EXPECT_TRUE(buffer.empty());
}

TEST(StreamDecoder, HalfAPacketLeavesTheBufferUntouched) {
    const std::string whole = encode(sample_publish(), ProtocolVersion::V311);
    for (std::size_t n = 2; n < whole.size(); ++n) {
        SCOPED_TRACE(n);
        StreamDecoder d;
        std::string_view buffer(whole.data(), n);
        EXPECT_FALSE(d.next(buffer).has_value());
        EXPECT_EQ(buffer.data(), whole.data());
        EXPECT_EQ(buffer.size(), n);
        EXPECT_EQ(d.bytes_needed(), whole.size());
    }
}

TEST(StreamDecoder, BytesNeededIsZeroBeforeTheHeaderIsComplete) {
    // A payload of 200 bytes needs a two-byte remaining length.
    std::string payload(200, 'x');
    const std::string whole = encode(sample_publish(payload), ProtocolVersion::V311);
    ASSERT_EQ(static_cast<unsigned char>(whole[1]) & 0x80, 0x80);
    for (std::size_t n : {std::size_t{1}, std::size_t{2}}) {
        StreamDecoder d;
        std::string_view buffer(whole.data(), n);
        EXPECT_FALSE(d.next(buffer).has_value());
        EXPECT_EQ(d.bytes_needed(), 0u) << n;
        EXPECT_EQ(buffer.size(), n);
    }
    StreamDecoder d;
    std::string_view buffer(whole.data(), 3);
    EXPECT_FALSE(d.next(buffer).has_value());
    EXPECT_EQ(d.bytes_needed(), whole.size());
    EXPECT_EQ(buffer.size(), 3u);
}

TEST(StreamDecoder, BytesNeededResetsAfterADecode) {
    const std::string whole = encode(sample_publish(), ProtocolVersion::V311);
    StreamDecoder d;
    std::string_view half(whole.data(), whole.size() / 2);
    EXPECT_FALSE(d.next(half).has_value());
    EXPECT_EQ(d.bytes_needed(), whole.size());
    std::string_view all = whole;
    ASSERT_TRUE(d.next(all).has_value());
    EXPECT_TRUE(all.empty());
    EXPECT_EQ(d.bytes_needed(), 0u);
}

TEST(StreamDecoder, ManyPacketsInOneBuffer) {
    const auto v = ProtocolVersion::V311;
    Puback puback;
    puback.packet_id = 7;
    Pubrel pubrel;
    pubrel.packet_id = 8;
    std::vector<Packet> sent = {Packet{sample_publish("one")},
                                Packet{Pingreq{}},
                                Packet{sample_publish("")},
                                Packet{puback},
                                Packet{pubrel},
                                Packet{Disconnect{}}};
    Subscribe s;
    s.packet_id = 5;
    s.topics = {{"a/+", {QoS::ExactlyOnce}}, {"b/#", {QoS::AtMostOnce}}};
    sent.push_back(s);
    std::string stream;
    for (const auto& p : sent)
        encode_append(p, v, stream);
    stream += bytes({0x30, 0x05, 0x00});  // the start of one more packet

    StreamDecoder d;
    std::string_view buffer = stream;
    std::vector<Packet> received;
    while (auto p = d.next(buffer))
        received.push_back(*p);
    EXPECT_EQ(received, sent);
    EXPECT_EQ(buffer, bytes({0x30, 0x05, 0x00}));
    EXPECT_EQ(d.bytes_needed(), 7u);
}

TEST(StreamDecoder, ByteByByte) {
    const auto v = ProtocolVersion::V5;
    Publish rich = sample_publish(std::string_view("payload\x00\xFF", 9));
    rich.properties.user_properties = {{"k", "v"}};
    rich.properties.subscription_identifiers = {1000};
    Suback suback;
    suback.packet_id = 9;
    suback.reasons = {ReasonCode::GrantedQoS1, ReasonCode::NotAuthorized};
    std::string big_payload(300, 'B');
    std::vector<Packet> sent = {
        Packet{sample_connect(v)},           Packet{rich},  Packet{Pingresp{}}, Packet{suback},
        Packet{sample_publish(big_payload)}, Packet{Auth{}}};
    std::string all;
    for (const auto& p : sent)
        encode_append(p, v, all);

    StreamDecoder d;
    d.set_version(v);
    std::string pending;
    std::vector<std::string> packets;  // owning copies, since decoded packets point into `pending`
    std::vector<Packet> received;
    std::size_t incomplete_calls = 0;
    for (char c : all) {
        pending.push_back(c);
        std::string_view buffer = pending;
        auto p = d.next(buffer);
        if (!p) {
            ++incomplete_calls;
            EXPECT_EQ(buffer.size(), pending.size());
            continue;
        }
        EXPECT_TRUE(buffer.empty()) << "a single complete packet is consumed whole";
        // Compare now, while `pending` still holds the bytes the packet points into.
        ASSERT_LT(received.size(), sent.size());
        EXPECT_EQ(*p, sent[received.size()]);
        received.push_back(*p);
        pending.clear();
    }
    EXPECT_EQ(received.size(), sent.size());
    EXPECT_TRUE(pending.empty());
    EXPECT_EQ(incomplete_calls, all.size() - sent.size());
}

TEST(StreamDecoder, ConnectSetsTheVersion) {
    struct Case {
        ProtocolVersion initial;
        ProtocolVersion connect;
    };
    for (auto c :
         {Case{ProtocolVersion::V311, ProtocolVersion::V5}, Case{ProtocolVersion::V5, ProtocolVersion::V31},
          Case{ProtocolVersion::V31, ProtocolVersion::V311}}) {
        StreamDecoder d;
        d.set_version(c.initial);
        EXPECT_EQ(d.version(), c.initial);
        std::string stream = encode(sample_connect(c.connect), c.connect);
        Publish p = sample_publish();
        if (is_v5(c.connect)) p.properties.content_type = "text/plain";
        encode_append(p, c.connect, stream);

        std::string_view buffer = stream;
        auto first = d.next(buffer);
        ASSERT_TRUE(first.has_value());
        EXPECT_EQ(packet_type(*first), PacketType::Connect);
        EXPECT_EQ(d.version(), c.connect);
        // The PUBLISH that follows is decoded with the negotiated version.
        auto second = d.next(buffer);
        ASSERT_TRUE(second.has_value());
        EXPECT_EQ(*second, Packet{p});
        EXPECT_TRUE(buffer.empty());
    }
}

TEST(StreamDecoder, DefaultVersionIs311) {
    StreamDecoder d;
    EXPECT_EQ(d.version(), ProtocolVersion::V311);
    // A v5 PUBACK with reason code and properties is malformed when read as 3.1.1.
    std::string data = bytes({0x40, 0x04, 0x00, 0x01, 0x10, 0x00});
    std::string_view buffer = data;
    EXPECT_THROW(d.next(buffer), ProtocolError);
    d.set_version(ProtocolVersion::V5);
    buffer = data;
    auto p = d.next(buffer);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(std::get<Puback>(*p).reason, ReasonCode::NoMatchingSubscribers);
}

TEST(StreamDecoder, TooLargeBeforeTheBodyArrives) {
    StreamDecoder d(100);
    // Header of a PUBLISH with remaining length 1000: rejected with only the header in the buffer.
    std::string data = bytes({0x30}) + test::vbi(1000);
    std::string_view buffer = data;
    try {
        d.next(buffer);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::PacketTooLarge);
    }
}

TEST(StreamDecoder, LimitIsInclusiveAndAdjustable) {
    std::string payload(100 - 2 - 2 - 1 - 2, 'p');  // header 2 + topic 3 + id 2 + payload = 100
    Publish p;
    p.topic = "t";
    p.payload = payload;
    p.qos = QoS::AtLeastOnce;
    p.packet_id = 1;
    std::string data = encode(p, ProtocolVersion::V311);
    ASSERT_EQ(data.size(), 100u);

    StreamDecoder d(100);
    std::string_view buffer = data;
    ASSERT_TRUE(d.next(buffer).has_value());

    d.set_max_packet_size(99);
    buffer = data;
    try {
        d.next(buffer);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::PacketTooLarge);
    }
    // Also with only the first two bytes present.
    buffer = std::string_view(data).substr(0, 2);
    EXPECT_THROW(d.next(buffer), ProtocolError);
}

TEST(StreamDecoder, ErrorsPropagate) {
    StreamDecoder d;
    std::string data = bytes({0xC0, 0x01, 0x00});  // PINGREQ with a body
    std::string_view buffer = data;
    try {
        d.next(buffer);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
    }
    // A malformed remaining length is reported even though no body is there.
    std::string bad_length = bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF});
    buffer = bad_length;
    EXPECT_THROW(d.next(buffer), ProtocolError);
}

TEST(StreamDecoder, DecodedViewsPointIntoTheBuffer) {
    std::string stream = encode(sample_publish(), ProtocolVersion::V311);
    StreamDecoder d;
    std::string_view buffer = stream;
    auto p = d.next(buffer);
    ASSERT_TRUE(p.has_value());
    const auto& pub = std::get<Publish>(*p);
    EXPECT_GE(pub.topic.data(), stream.data());
    EXPECT_LE(pub.payload.data() + pub.payload.size(), stream.data() + stream.size());
}

}  // namespace
}  // namespace tapmq::mqtt
