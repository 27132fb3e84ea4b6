// MQTT 5 properties (spec 2.2.2): placement table, decoding of every data type, duplicates, forbidden
// values, sizes and encoding.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mqtt/byte_reader.hpp"
#include "mqtt/byte_writer.hpp"
#include "mqtt/properties.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::bytes;
using test::props;
using test::str;
using test::u16;
using test::u32;
using test::vbi;
using C = PropertyContext;
using P = PropertyId;

const std::vector<PropertyContext> kContexts = {
    C::Connect, C::Connack,   C::Publish, C::Will,        C::Puback,   C::Pubrec,     C::Pubrel,
    C::Pubcomp, C::Subscribe, C::Suback,  C::Unsubscribe, C::Unsuback, C::Disconnect, C::Auth,
};

const char* context_name(PropertyContext c) {
    switch (c) {
        case C::Connect:
            return "Connect";
        case C::Connack:
            return "Connack";
        case C::Publish:
            return "Publish";
        case C::Will:
            return "Will";
        case C::Puback:
            return "Puback";
        case C::Pubrec:
            return "Pubrec";
        case C::Pubrel:
            return "Pubrel";
        case C::Pubcomp:
            return "Pubcomp";
        case C::Subscribe:
            return "Subscribe";
        case C::Suback:
            return "Suback";
        case C::Unsubscribe:
            return "Unsubscribe";
        case C::Unsuback:
            return "Unsuback";
        case C::Disconnect:
            return "Disconnect";
        case C::Auth:
            return "Auth";
    }
    return "?";
}

// Spec table 2-4, written out independently of the implementation.
const std::map<PropertyId, std::set<PropertyContext>>& spec_table() {
    static const std::map<PropertyId, std::set<PropertyContext>> table = {
        {P::PayloadFormatIndicator, {C::Publish, C::Will}},
        {P::MessageExpiryInterval, {C::Publish, C::Will}},
        {P::ContentType, {C::Publish, C::Will}},
        {P::ResponseTopic, {C::Publish, C::Will}},
        {P::CorrelationData, {C::Publish, C::Will}},
        {P::SubscriptionIdentifier, {C::Publish, C::Subscribe}},
        {P::SessionExpiryInterval, {C::Connect, C::Connack, C::Disconnect}},
        {P::AssignedClientIdentifier, {C::Connack}},
        {P::ServerKeepAlive, {C::Connack}},
        {P::AuthenticationMethod, {C::Connect, C::Connack, C::Auth}},
        {P::AuthenticationData, {C::Connect, C::Connack, C::Auth}},
        {P::RequestProblemInformation, {C::Connect}},
        {P::WillDelayInterval, {C::Will}},
        {P::RequestResponseInformation, {C::Connect}},
        {P::ResponseInformation, {C::Connack}},
        {P::ServerReference, {C::Connack, C::Disconnect}},
        {P::ReasonString,
         {C::Connack, C::Puback, C::Pubrec, C::Pubrel, C::Pubcomp, C::Suback, C::Unsuback, C::Disconnect,
          C::Auth}},
        {P::ReceiveMaximum, {C::Connect, C::Connack}},
        {P::TopicAliasMaximum, {C::Connect, C::Connack}},
        {P::TopicAlias, {C::Publish}},
        {P::MaximumQoS, {C::Connack}},
        {P::RetainAvailable, {C::Connack}},
        {P::UserProperty,
         {C::Connect, C::Connack, C::Publish, C::Will, C::Puback, C::Pubrec, C::Pubrel, C::Pubcomp,
          C::Subscribe, C::Suback, C::Unsubscribe, C::Unsuback, C::Disconnect, C::Auth}},
        {P::MaximumPacketSize, {C::Connect, C::Connack}},
        {P::WildcardSubscriptionAvailable, {C::Connack}},
        {P::SubscriptionIdentifierAvailable, {C::Connack}},
        {P::SharedSubscriptionAvailable, {C::Connack}},
    };
    return table;
}

// One valid encoding (identifier + value) of each property.
std::string property_bytes(PropertyId id) {
    std::string out(1, static_cast<char>(id));
    switch (id) {
        case P::PayloadFormatIndicator:
            return out + bytes({1});
        case P::MessageExpiryInterval:
            return out + u32(3600);
        case P::ContentType:
            return out + str("text/plain");
        case P::ResponseTopic:
            return out + str("reply/here");
        case P::CorrelationData:
            return out + str(bytes({0x00, 0xFF, 0x10}));
        case P::SubscriptionIdentifier:
            return out + vbi(300);
        case P::SessionExpiryInterval:
            return out + u32(0xFFFFFFFF);
        case P::AssignedClientIdentifier:
            return out + str("auto-1234");
        case P::ServerKeepAlive:
            return out + u16(30);
        case P::AuthenticationMethod:
            return out + str("SCRAM-SHA-1");
        case P::AuthenticationData:
            return out + str(bytes({0x01, 0x02}));
        case P::RequestProblemInformation:
            return out + bytes({0});
        case P::WillDelayInterval:
            return out + u32(5);
        case P::RequestResponseInformation:
            return out + bytes({1});
        case P::ResponseInformation:
            return out + str("resp/info");
        case P::ServerReference:
            return out + str("other.example:1883");
        case P::ReasonString:
            return out + str("because");
        case P::ReceiveMaximum:
            return out + u16(20);
        case P::TopicAliasMaximum:
            return out + u16(0);
        case P::TopicAlias:
            return out + u16(7);
        case P::MaximumQoS:
            return out + bytes({1});
        case P::RetainAvailable:
            return out + bytes({0});
        case P::UserProperty:
            return out + str("key") + str("value");
        case P::MaximumPacketSize:
            return out + u32(1024);
        case P::WildcardSubscriptionAvailable:
            return out + bytes({1});
        case P::SubscriptionIdentifierAvailable:
            return out + bytes({0});
        case P::SharedSubscriptionAvailable:
            return out + bytes({1});
    }
    return out;
}

// Sets a sample value of property `id` in `p`.
void set_sample(Properties& p, PropertyId id) {
    switch (id) {
        case P::PayloadFormatIndicator:
            p.payload_format_indicator = 1;
            break;
        case P::MessageExpiryInterval:
            p.message_expiry_interval = 0x01020304;
            break;
        case P::ContentType:
            p.content_type = "application/json";
            break;
        case P::ResponseTopic:
            p.response_topic = "responses/client-1";
            break;
        case P::CorrelationData:
            p.correlation_data = std::string_view("\x00\x01\xFE\xFF", 4);
            break;
        case P::SubscriptionIdentifier:
            p.subscription_identifiers = {1, 268'435'455};
            break;
        case P::SessionExpiryInterval:
            p.session_expiry_interval = 0xFFFFFFFF;
            break;
        case P::AssignedClientIdentifier:
            p.assigned_client_identifier = "assigned-\xC3\xA9";
            break;
        case P::ServerKeepAlive:
            p.server_keep_alive = 65535;
            break;
        case P::AuthenticationMethod:
            p.authentication_method = "SCRAM-SHA-256";
            break;
        case P::AuthenticationData:
            p.authentication_data = std::string_view("\xC0\x80\x00", 3);
            break;
        case P::RequestProblemInformation:
            p.request_problem_information = 0;
            break;
        case P::WillDelayInterval:
            p.will_delay_interval = 120;
            break;
        case P::RequestResponseInformation:
            p.request_response_information = 1;
            break;
        case P::ResponseInformation:
            p.response_information = "response/base";
            break;
        case P::ServerReference:
            p.server_reference = "backup.example.com:8883";
            break;
        case P::ReasonString:
            p.reason_string = "a human readable reason";
            break;
        case P::ReceiveMaximum:
            p.receive_maximum = 65535;
            break;
        case P::TopicAliasMaximum:
            p.topic_alias_maximum = 10;
            break;
        case P::TopicAlias:
            p.topic_alias = 65535;
            break;
        case P::MaximumQoS:
            p.maximum_qos = 1;
            break;
        case P::RetainAvailable:
            p.retain_available = 0;
            break;
        case P::UserProperty:
            p.user_properties = {{"k", "v1"}, {"k", "v2"}, {"", ""}, {"z\xE2\x82\xAC", "w"}};
            break;
        case P::MaximumPacketSize:
            p.maximum_packet_size = 268'435'460;
            break;
        case P::WildcardSubscriptionAvailable:
            p.wildcard_subscription_available = 1;
            break;
        case P::SubscriptionIdentifierAvailable:
            p.subscription_identifier_available = 0;
            break;
        case P::SharedSubscriptionAvailable:
            p.shared_subscription_available = 1;
            break;
    }
}

Properties sample_for(PropertyContext ctx) {
    Properties p;
    for (const auto& [id, contexts] : spec_table()) {
        if (contexts.count(ctx) == 0) continue;
        set_sample(p, id);
    }
    // SUBSCRIBE carries at most one subscription identifier.
    if (ctx == C::Subscribe) p.subscription_identifiers = {268'435'455};
    return p;
}

Properties decode_block(const std::string& block, PropertyContext ctx) {
    ByteReader r(block);
    Properties p = decode_properties(r, ctx);
    EXPECT_TRUE(r.empty()) << "decode_properties left " << r.remaining() << " bytes";
    return p;
}

void expect_block_error(const std::string& block, PropertyContext ctx, ReasonCode rc) {
    ByteReader r(block);
    try {
        Properties p = decode_properties(r, ctx);
        ADD_FAILURE() << "no throw in " << context_name(ctx) << " for " << hex(block)
                      << "; decoded: " << testing::PrintToString(p);
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), rc) << context_name(ctx) << ": " << e.what() << " for " << hex(block);
    }
}

std::string write_block(const Properties& p) {
    std::size_t size = properties_size(p);
    std::string out(varint_size(static_cast<std::uint32_t>(size)) + size, '\xAA');
    ByteWriter w(out.data(), out.size());
    write_properties(w, p, size);
    EXPECT_EQ(w.remaining(), 0u);
    return out;
}

TEST(Properties, AllowedMatchesSpecTable) {
    for (unsigned raw = 0; raw <= 0xFF; ++raw) {
        auto id = static_cast<PropertyId>(raw);
        auto it = spec_table().find(id);
        for (auto ctx : kContexts) {
            bool expected = it != spec_table().end() && it->second.count(ctx) != 0;
            EXPECT_EQ(property_allowed(id, ctx), expected)
                << "property 0x" << hex(std::string(1, static_cast<char>(raw))) << " in "
                << context_name(ctx);
        }
    }
}

TEST(Properties, EmptyBlock) {
    Properties p = decode_block(bytes({0x00}), C::Publish);
    EXPECT_TRUE(p.empty());
    EXPECT_EQ(properties_size(Properties{}), 0u);
    EXPECT_EQ(write_block(Properties{}), bytes({0x00}));
}

TEST(Properties, DecodesEveryDataType) {
    std::string content = bytes({0x01, 0x01}) +                       // payload format indicator: byte
                          bytes({0x02}) + u32(0x0A0B0C0D) +           // message expiry: four byte integer
                          bytes({0x03}) + str("text/plain") +         // content type: UTF-8 string
                          bytes({0x08}) + str("re/ply") +             // response topic
                          bytes({0x09}) + str(bytes({0x00, 0xFF})) +  // correlation data: binary
                          bytes({0x0B}) + vbi(16'384) +               // subscription identifier: varint
                          bytes({0x0B}) + vbi(1) +                    // ... repeated in PUBLISH
                          bytes({0x23}) + u16(0x1234) +               // topic alias: two byte integer
                          bytes({0x26}) + str("k") + str("v") +       // user property: string pair
                          bytes({0x26}) + str("k") + str("v");        // ... repeated, duplicates kept
    std::string block = props(content);
    Properties p = decode_block(block, C::Publish);
    EXPECT_EQ(p.payload_format_indicator, 1);
    EXPECT_EQ(p.message_expiry_interval, 0x0A0B0C0Du);
    EXPECT_EQ(p.content_type, "text/plain");
    EXPECT_EQ(p.response_topic, "re/ply");
    EXPECT_EQ(p.correlation_data, bytes({0x00, 0xFF}));
    EXPECT_EQ(p.subscription_identifiers, (std::vector<std::uint32_t>{16'384, 1}));
    EXPECT_EQ(p.topic_alias, 0x1234);
    ASSERT_EQ(p.user_properties.size(), 2u);
    EXPECT_EQ(p.user_properties[0], (UserProperty{"k", "v"}));
    EXPECT_EQ(p.user_properties[1], (UserProperty{"k", "v"}));
    // Views into the block, not copies.
    EXPECT_GE(p.content_type->data(), block.data());
    EXPECT_LT(p.content_type->data(), block.data() + block.size());
}

TEST(Properties, DecodeStopsAtBlockEnd) {
    std::string data = props(bytes({0x01, 0x00})) + "rest";
    ByteReader r(data);
    Properties p = decode_properties(r, C::Publish);
    EXPECT_EQ(p.payload_format_indicator, 0);
    EXPECT_EQ(r.rest(), "rest");
}

TEST(Properties, EverySinglePropertyDecodesWhereAllowed) {
    for (const auto& [id, contexts] : spec_table()) {
        for (auto ctx : contexts) {
            SCOPED_TRACE(context_name(ctx));
            std::string block = props(property_bytes(id));
            Properties p = decode_block(block, ctx);
            EXPECT_FALSE(p.empty()) << hex(block);
            // And re-encoding gives the same bytes.
            EXPECT_EQ(write_block(p), block);
        }
    }
}

TEST(Properties, NotAllowedIsMalformed) {
    for (const auto& [id, contexts] : spec_table()) {
        for (auto ctx : kContexts) {
            if (contexts.count(ctx) != 0) continue;
            expect_block_error(props(property_bytes(id)), ctx, ReasonCode::MalformedPacket);
        }
    }
}

TEST(Properties, WillPropertiesAreTheirOwnContext) {
    expect_block_error(props(property_bytes(P::WillDelayInterval)), C::Connect, ReasonCode::MalformedPacket);
    expect_block_error(props(property_bytes(P::WillDelayInterval)), C::Publish, ReasonCode::MalformedPacket);
    expect_block_error(props(property_bytes(P::TopicAlias)), C::Will, ReasonCode::MalformedPacket);
    expect_block_error(props(property_bytes(P::SubscriptionIdentifier)), C::Will,
                       ReasonCode::MalformedPacket);
    expect_block_error(props(property_bytes(P::SessionExpiryInterval)), C::Will, ReasonCode::MalformedPacket);
    expect_block_error(props(property_bytes(P::ContentType)), C::Connect, ReasonCode::MalformedPacket);
    EXPECT_EQ(decode_block(props(property_bytes(P::WillDelayInterval)), C::Will).will_delay_interval, 5u);
}

TEST(Properties, UnknownIdentifierIsMalformed) {
    for (unsigned raw : {0x00u, 0x04u, 0x05u, 0x06u, 0x07u, 0x0Au, 0x0Cu, 0x10u, 0x14u, 0x1Bu, 0x1Du, 0x1Eu,
                         0x20u, 0x2Bu, 0x7Fu}) {
        for (auto ctx : kContexts) {
            expect_block_error(props(bytes({raw, 0x00, 0x00, 0x00, 0x00})), ctx, ReasonCode::MalformedPacket);
        }
    }
    // An identifier is a variable byte integer: 0x80 0x01 is 128, unknown.
    expect_block_error(props(bytes({0x80, 0x01, 0x00})), C::Publish, ReasonCode::MalformedPacket);
}

TEST(Properties, DuplicatesAreProtocolErrors) {
    for (const auto& [id, contexts] : spec_table()) {
        for (auto ctx : contexts) {
            SCOPED_TRACE(context_name(ctx));
            std::string twice = props(property_bytes(id) + property_bytes(id));
            bool repeatable = id == P::UserProperty || (id == P::SubscriptionIdentifier && ctx == C::Publish);
            if (repeatable) {
                Properties p = decode_block(twice, ctx);
                if (id == P::UserProperty) {
                    EXPECT_EQ(p.user_properties.size(), 2u);
                } else {
                    EXPECT_EQ(p.subscription_identifiers, (std::vector<std::uint32_t>{300, 300}));
                }
            } else {
                expect_block_error(twice, ctx, ReasonCode::ProtocolError);
            }
        }
    }
}

TEST(Properties, DuplicateSeparatedByOtherProperties) {
    std::string block = props(property_bytes(P::ContentType) + property_bytes(P::UserProperty) +
                              property_bytes(P::MessageExpiryInterval) + property_bytes(P::ContentType));
    expect_block_error(block, C::Publish, ReasonCode::ProtocolError);
}

TEST(Properties, BooleanPropertiesMustBeZeroOrOne) {
    struct Case {
        PropertyId id;
        PropertyContext ctx;
    };
    for (auto c : {Case{P::PayloadFormatIndicator, C::Publish}, Case{P::PayloadFormatIndicator, C::Will},
                   Case{P::RequestProblemInformation, C::Connect},
                   Case{P::RequestResponseInformation, C::Connect}, Case{P::MaximumQoS, C::Connack},
                   Case{P::RetainAvailable, C::Connack}, Case{P::WildcardSubscriptionAvailable, C::Connack},
                   Case{P::SubscriptionIdentifierAvailable, C::Connack},
                   Case{P::SharedSubscriptionAvailable, C::Connack}}) {
        auto raw = static_cast<unsigned>(c.id);
        SCOPED_TRACE(raw);
        EXPECT_NO_THROW(decode_block(props(bytes({raw, 0})), c.ctx));
        EXPECT_NO_THROW(decode_block(props(bytes({raw, 1})), c.ctx));
        expect_block_error(props(bytes({raw, 2})), c.ctx, ReasonCode::ProtocolError);
        expect_block_error(props(bytes({raw, 0xFF})), c.ctx, ReasonCode::ProtocolError);
    }
}

TEST(Properties, ZeroValuesThatAreProtocolErrors) {
    expect_block_error(props(bytes({0x21}) + u16(0)), C::Connect,
                       ReasonCode::ProtocolError);  // receive maximum
    expect_block_error(props(bytes({0x21}) + u16(0)), C::Connack, ReasonCode::ProtocolError);
    expect_block_error(props(bytes({0x27}) + u32(0)), C::Connect,
                       ReasonCode::ProtocolError);  // max packet size
    expect_block_error(props(bytes({0x27}) + u32(0)), C::Connack, ReasonCode::ProtocolError);
    expect_block_error(props(bytes({0x23}) + u16(0)), C::Publish,
                       ReasonCode::TopicAliasInvalid);                                      // topic alias
    expect_block_error(props(bytes({0x0B, 0x00})), C::Publish, ReasonCode::ProtocolError);  // subscription id
    expect_block_error(props(bytes({0x0B, 0x00})), C::Subscribe, ReasonCode::ProtocolError);
}

TEST(Properties, ZeroValuesThatAreFine) {
    EXPECT_EQ(decode_block(props(bytes({0x22}) + u16(0)), C::Connect).topic_alias_maximum, 0);
    EXPECT_EQ(decode_block(props(bytes({0x13}) + u16(0)), C::Connack).server_keep_alive, 0);
    EXPECT_EQ(decode_block(props(bytes({0x11}) + u32(0)), C::Disconnect).session_expiry_interval, 0u);
    EXPECT_EQ(decode_block(props(bytes({0x02}) + u32(0)), C::Publish).message_expiry_interval, 0u);
    EXPECT_EQ(decode_block(props(bytes({0x03}) + str("")), C::Publish).content_type, "");
    EXPECT_EQ(decode_block(props(bytes({0x21}) + u16(1)), C::Connect).receive_maximum, 1);
    EXPECT_EQ(decode_block(props(bytes({0x27}) + u32(1)), C::Connect).maximum_packet_size, 1u);
    EXPECT_EQ(decode_block(props(bytes({0x23}) + u16(1)), C::Publish).topic_alias, 1);
}

TEST(Properties, SubscriptionIdentifierLargestAndTooLong) {
    auto p = decode_block(props(bytes({0x0B}) + vbi(268'435'455)), C::Publish);
    EXPECT_EQ(p.subscription_identifiers, (std::vector<std::uint32_t>{268'435'455}));
    expect_block_error(props(bytes({0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})), C::Publish,
                       ReasonCode::MalformedPacket);
}

TEST(Properties, InvalidUtf8InStringPropertiesIsMalformed) {
    const std::string bad = bytes({0xED, 0xA0, 0x80});  // a surrogate
    struct Case {
        std::string content;
        PropertyContext ctx;
    };
    const std::vector<Case> cases = {
        {bytes({0x03}) + str(bad), C::Publish},
        {bytes({0x08}) + str(bad), C::Publish},
        {bytes({0x03}) + str(bad), C::Will},
        {bytes({0x12}) + str(bad), C::Connack},
        {bytes({0x15}) + str(bad), C::Connect},
        {bytes({0x1A}) + str(bad), C::Connack},
        {bytes({0x1C}) + str(bad), C::Disconnect},
        {bytes({0x1F}) + str(bad), C::Puback},
        {bytes({0x1F}) + str(bytes({'o', 'k', 0x00})), C::Suback},
        {bytes({0x26}) + str(bad) + str("v"), C::Connect},
        {bytes({0x26}) + str("k") + str(bad), C::Unsubscribe},
        {bytes({0x26}) + str("k") + str(bytes({0xC0, 0x80})), C::Auth},
    };
    for (const auto& c : cases)
        expect_block_error(props(c.content), c.ctx, ReasonCode::MalformedPacket);
}

TEST(Properties, BinaryPropertiesAreNotUtf8Checked) {
    const std::string bad = bytes({0xED, 0xA0, 0x80, 0x00});
    EXPECT_EQ(decode_block(props(bytes({0x09}) + str(bad)), C::Publish).correlation_data, bad);
    EXPECT_EQ(decode_block(props(bytes({0x16}) + str(bad)), C::Auth).authentication_data, bad);
}

TEST(Properties, TruncationIsMalformed) {
    // Property length larger than the data.
    expect_block_error(bytes({0x05, 0x01, 0x01}), C::Publish, ReasonCode::MalformedPacket);
    // A value cut by the end of the property block although more bytes follow it.
    expect_block_error(props(bytes({0x02, 0x00, 0x00})) + bytes({0x00, 0x00}), C::Publish,
                       ReasonCode::MalformedPacket);
    expect_block_error(props(bytes({0x03, 0x00, 0x05, 'a'})) + "bcde", C::Publish,
                       ReasonCode::MalformedPacket);
    expect_block_error(props(bytes({0x26}) + str("k")) + str("v"), C::Publish, ReasonCode::MalformedPacket);
    expect_block_error(props(bytes({0x0B, 0x80})) + bytes({0x01}), C::Publish, ReasonCode::MalformedPacket);
    // Missing property length entirely.
    expect_block_error(std::string(), C::Publish, ReasonCode::MalformedPacket);
    // Property length itself over four bytes.
    expect_block_error(bytes({0x80, 0x80, 0x80, 0x80, 0x01}), C::Publish, ReasonCode::MalformedPacket);
}

TEST(Properties, SizeOfEachType) {
    Properties p;
    p.payload_format_indicator = 1;  // 1 + 1
    EXPECT_EQ(properties_size(p), 2u);
    p.message_expiry_interval = 9;  // 1 + 4
    EXPECT_EQ(properties_size(p), 7u);
    p.content_type = "ab";  // 1 + 2 + 2
    EXPECT_EQ(properties_size(p), 12u);
    p.subscription_identifiers = {127, 128, 268'435'455};  // (1+1) + (1+2) + (1+4)
    EXPECT_EQ(properties_size(p), 22u);
    p.topic_alias = 3;  // 1 + 2
    EXPECT_EQ(properties_size(p), 25u);
    p.user_properties = {{"k", "vv"}};  // 1 + 2 + 1 + 2 + 2
    EXPECT_EQ(properties_size(p), 33u);
}

TEST(Properties, WritesExactBytesPerType) {
    Properties p;
    p.session_expiry_interval = 10;
    EXPECT_EQ(write_block(p), bytes({0x05, 0x11, 0x00, 0x00, 0x00, 0x0A}));
    p = {};
    p.receive_maximum = 0x0102;
    EXPECT_EQ(write_block(p), bytes({0x03, 0x21, 0x01, 0x02}));
    p = {};
    p.subscription_identifiers = {128};
    EXPECT_EQ(write_block(p), bytes({0x03, 0x0B, 0x80, 0x01}));
    p = {};
    p.user_properties = {{"a", "b"}};
    EXPECT_EQ(write_block(p), bytes({0x07, 0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b'}));
    p = {};
    p.correlation_data = "xy";
    EXPECT_EQ(write_block(p), bytes({0x05, 0x09, 0x00, 0x02, 'x', 'y'}));
    p = {};
    p.maximum_qos = 0;
    EXPECT_EQ(write_block(p), bytes({0x02, 0x24, 0x00}));
}

TEST(Properties, LongBlockUsesMultiByteLength) {
    Properties p;
    std::string reason(200, 'r');
    p.reason_string = reason;
    std::string block = write_block(p);
    ASSERT_EQ(block.size(), 2u + 203u);
    EXPECT_EQ(block.substr(0, 2), vbi(203));
    EXPECT_EQ(decode_block(block, C::Disconnect), p);
}

TEST(Properties, FullSetRoundTripsInEveryContext) {
    for (auto ctx : kContexts) {
        SCOPED_TRACE(context_name(ctx));
        Properties p = sample_for(ctx);
        ASSERT_FALSE(p.empty());
        std::string block = write_block(p);
        EXPECT_EQ(block.size(),
                  varint_size(static_cast<std::uint32_t>(properties_size(p))) + properties_size(p));
        Properties q = decode_block(block, ctx);
        EXPECT_EQ(q, p);
        EXPECT_EQ(write_block(q), block);
    }
}

TEST(Properties, EmptyHelper) {
    Properties p;
    EXPECT_TRUE(p.empty());
    p.user_properties.push_back({"", ""});
    EXPECT_FALSE(p.empty());
    p = {};
    p.topic_alias_maximum = 0;
    EXPECT_FALSE(p.empty());
}

}  // namespace
}  // namespace tapmq::mqtt
