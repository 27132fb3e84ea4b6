// PublishTemplate: the bytes written for each delivery must equal encode() of the equivalent PUBLISH,
// and decode back to it.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/encoder.hpp"
#include "mqtt/publish_template.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

// The properties a template keeps from its source.
Properties common_properties(const Properties& p) {
    Properties c;
    c.payload_format_indicator = p.payload_format_indicator;
    c.content_type = p.content_type;
    c.response_topic = p.response_topic;
    c.correlation_data = p.correlation_data;
    c.user_properties = p.user_properties;
    return c;
}

// The PUBLISH a delivery of `src` must be byte-identical to.
Publish expected_publish(const Publish& src, const Delivery& d) {
    Publish q;
    const bool v5 = is_v5(d.version);
    q.topic = v5 && d.topic_alias != 0 && d.omit_topic ? std::string_view() : src.topic.substr(d.topic_skip);
    q.payload = src.payload;
    q.qos = d.qos;
    q.retain = d.retain;
    q.dup = d.dup && d.qos != QoS::AtMostOnce;
    q.packet_id = d.qos == QoS::AtMostOnce ? 0 : d.packet_id;
    if (v5) {
        q.properties = common_properties(src.properties);
        q.properties.subscription_identifiers.assign(d.subscription_ids.begin(), d.subscription_ids.end());
        if (d.topic_alias != 0) q.properties.topic_alias = d.topic_alias;
        q.properties.message_expiry_interval = d.message_expiry;
    }
    return q;
}

std::string describe(const Delivery& d) {
    // Appended piece by piece: a chain of operator+ trips GCC 12's -Wrestrict at -O3.
    std::string s = "v";
    s += std::to_string(static_cast<int>(d.version));
    s += " qos";
    s += std::to_string(static_cast<int>(d.qos));
    if (d.retain) s += " retain";
    if (d.dup) s += " dup";
    s += " id=";
    s += std::to_string(d.packet_id);
    s += " subids=";
    s += std::to_string(d.subscription_ids.size());
    s += " alias=";
    s += std::to_string(d.topic_alias);
    if (d.omit_topic) s += " omit";
    s += " skip=";
    s += std::to_string(d.topic_skip);
    if (d.message_expiry) {
        s += " expiry=";
        s += std::to_string(*d.message_expiry);
    }
    return s;
}

// Writes `d` with every entry point and checks the bytes against encode() and decode().
void check_delivery(const PublishTemplate& t, const Publish& src, const Delivery& d) {
    SCOPED_TRACE(describe(d));
    const Publish expected = expected_publish(src, d);
    const std::string want = encode(expected, d.version);

    const std::size_t size = t.size(d);
    EXPECT_EQ(size, want.size());
    std::string buf(size + 8, '\x5A');
    char* end = t.write(d, buf.data());
    ASSERT_EQ(static_cast<std::size_t>(end - buf.data()), size) << "write() must write exactly size() bytes";
    EXPECT_EQ(buf.substr(size), std::string(8, '\x5A')) << "write() wrote past size()";
    const std::string got = buf.substr(0, size);
    if (got != want) {
        std::size_t i = 0;
        while (i < got.size() && i < want.size() && got[i] == want[i])
            ++i;
        auto window = [i](const std::string& s) {
            return hex(std::string_view(s).substr(i < 8 ? 0 : i - 8, 24));
        };
        ADD_FAILURE() << "bytes differ from encode() at offset " << i << " (sizes " << got.size() << " / "
                      << want.size() << ")\n  template: " << window(got) << "\n  encode(): " << window(want);
    }

    std::string appended = "xyz";
    t.append(d, appended);
    EXPECT_TRUE(appended == "xyz" + want) << "append() differs from encode()";

    try {
        Publish decoded = test::decode_as<Publish>(got, d.version);
        EXPECT_EQ(decoded, expected);
    } catch (const ProtocolError& e) {
        ADD_FAILURE() << "template output does not decode: " << e.what() << " bytes " << hex(got);
    }
}

Publish rich_source() {
    Publish p;
    p.topic = "sensors/kitchen/temperature";
    p.payload = std::string_view("{\"t\":21.5}\x00\xFF", 12);
    p.qos = QoS::ExactlyOnce;
    p.packet_id = 999;
    p.retain = true;
    p.dup = true;
    p.properties.payload_format_indicator = 1;
    p.properties.content_type = "application/json";
    p.properties.response_topic = "replies/kitchen";
    p.properties.correlation_data = std::string_view("\x01\x00\x02", 3);
    p.properties.user_properties = {{"origin", "sensor-7"}, {"unit", "C"}, {"origin", "dup-key"}};
    // Per-delivery properties: not part of the template.
    p.properties.topic_alias = 9;
    p.properties.subscription_identifiers = {3, 4};
    p.properties.message_expiry_interval = 100;
    return p;
}

void check_all_deliveries(const PublishTemplate& t, const Publish& src) {
    const std::vector<std::uint32_t> ids_one = {1};
    const std::vector<std::uint32_t> ids_many = {1, 127, 128, 16'384, 268'435'455};
    const std::vector<std::span<const std::uint32_t>> id_sets = {{}, ids_one, ids_many};
    const std::vector<std::optional<std::uint32_t>> expiries = {std::nullopt, 0u, 3600u, 0xFFFFFFFFu};
    for (auto v : test::kAllVersions) {
        for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
            for (bool dup : {false, true}) {
                for (bool retain : {false, true}) {
                    Delivery d;
                    d.version = v;
                    d.qos = q;
                    d.dup = dup;
                    d.retain = retain;
                    d.packet_id = 0x1234;
                    // MQTT 3.x ignores the MQTT 5 fields; omit_topic only counts with an alias.
                    for (auto ids : id_sets) {
                        for (std::uint16_t alias :
                             {std::uint16_t{0}, std::uint16_t{7}, std::uint16_t{65535}}) {
                            for (bool omit : {false, true}) {
                                for (const auto& expiry : expiries) {
                                    d.subscription_ids = ids;
                                    d.topic_alias = alias;
                                    d.omit_topic = omit;
                                    d.message_expiry = expiry;
                                    check_delivery(t, src, d);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

TEST(PublishTemplate, RichSourceEveryDelivery) {
    const Publish src = rich_source();
    PublishTemplate t(src);
    check_all_deliveries(t, src);
}

TEST(PublishTemplate, PlainSourceEveryDelivery) {
    Publish src;
    src.topic = "a";
    src.payload = "";
    PublishTemplate t(src);
    EXPECT_FALSE(t.has_properties());
    EXPECT_TRUE(t.properties().empty());
    check_all_deliveries(t, src);
}

TEST(PublishTemplate, EachCommonPropertyAlone) {
    for (int which = 0; which < 5; ++which) {
        Publish src;
        src.topic = "x/y";
        src.payload = "p";
        switch (which) {
            case 0:
                src.properties.payload_format_indicator = 0;
                break;
            case 1:
                src.properties.content_type = "text/plain";
                break;
            case 2:
                src.properties.response_topic = "r";
                break;
            case 3:
                src.properties.correlation_data = "";
                break;
            case 4:
                src.properties.user_properties = {{"k", "v"}};
                break;
        }
        SCOPED_TRACE(which);
        PublishTemplate t(src);
        EXPECT_TRUE(t.has_properties());
        EXPECT_EQ(t.properties(), common_properties(src.properties));
        const std::vector<std::uint32_t> ids = {5};
        Delivery d;
        d.qos = QoS::AtLeastOnce;
        d.packet_id = 1;
        d.subscription_ids = ids;
        d.topic_alias = 2;
        d.message_expiry = 10;
        check_delivery(t, src, d);
        d.version = ProtocolVersion::V311;
        check_delivery(t, src, d);
    }
}

TEST(PublishTemplate, MountPointPrefixLeftOut) {
    // A listener's mount point: the stored topic is "site1/sensors/kitchen/temperature", the
    // client sees "sensors/kitchen/temperature" (with and without an alias, every version).
    Publish src = rich_source();
    const std::string full = std::string("site1/") + std::string(src.topic);
    src.topic = full;
    PublishTemplate t(src);
    for (auto v : test::kAllVersions) {
        for (bool omit : {false, true}) {
            Delivery d;
            d.version = v;
            d.qos = QoS::AtLeastOnce;
            d.packet_id = 3;
            d.topic_alias = omit ? 4 : 0;
            d.omit_topic = omit;
            d.topic_skip = 6;
            check_delivery(t, src, d);
        }
    }
}

TEST(PublishTemplate, Accessors) {
    const Publish src = rich_source();
    PublishTemplate t(src);
    EXPECT_EQ(t.topic(), src.topic);
    EXPECT_EQ(t.payload(), src.payload);
    EXPECT_TRUE(t.has_properties());
    Properties props = t.properties();
    EXPECT_EQ(props, common_properties(src.properties));
    EXPECT_FALSE(props.topic_alias.has_value());
    EXPECT_TRUE(props.subscription_identifiers.empty());
    EXPECT_FALSE(props.message_expiry_interval.has_value());
}

TEST(PublishTemplate, CopiesEverythingFromATransientBuffer) {
    auto buffer = std::make_unique<std::string>(encode(rich_source(), ProtocolVersion::V5));
    const std::string reference_bytes = *buffer;
    std::unique_ptr<PublishTemplate> t;
    {
        Publish decoded = test::decode_as<Publish>(*buffer, ProtocolVersion::V5);
        t = std::make_unique<PublishTemplate>(decoded);
    }
    // Scribble over and free the source bytes.
    std::fill(buffer->begin(), buffer->end(), '\xEE');
    buffer.reset();

    Publish original = test::decode_as<Publish>(reference_bytes, ProtocolVersion::V5);
    EXPECT_EQ(t->topic(), original.topic);
    EXPECT_EQ(t->payload(), original.payload);
    const std::vector<std::uint32_t> ids = {42};
    Delivery d;
    d.qos = QoS::ExactlyOnce;
    d.packet_id = 77;
    d.subscription_ids = ids;
    d.message_expiry = 5;
    check_delivery(*t, original, d);
}

TEST(PublishTemplate, LargePayloadsCrossLengthBoundaries) {
    for (std::size_t n : {100u, 126u, 127u, 128u, 16'300u, 16'383u, 16'384u, 2'097'151u, 2'097'200u}) {
        std::string payload(n, 'q');
        Publish src;
        src.topic = "big";
        src.payload = payload;
        src.properties.content_type = "bin";
        PublishTemplate t(src);
        EXPECT_EQ(t.payload().size(), n);
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5}) {
            for (std::uint16_t alias : {std::uint16_t{0}, std::uint16_t{3}}) {
                Delivery d;
                d.version = v;
                d.qos = QoS::AtLeastOnce;
                d.packet_id = 2;
                d.topic_alias = alias;
                d.omit_topic = alias != 0;
                check_delivery(t, src, d);
            }
        }
    }
}

TEST(PublishTemplate, ExactBytesV311) {
    Publish src;
    src.topic = "a/b";
    src.payload = "hi";
    src.properties.content_type = "dropped in 3.1.1";
    PublishTemplate t(src);
    Delivery d;
    d.version = ProtocolVersion::V311;
    d.qos = QoS::AtLeastOnce;
    d.dup = true;
    d.retain = true;
    d.packet_id = 10;
    std::string out;
    t.append(d, out);
    EXPECT_EQ(out, test::bytes({0x3B, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'}));
}

TEST(PublishTemplate, OmitTopicNeedsMqtt5AndAnAlias) {
    Publish src;
    src.topic = "a/b";
    src.payload = "hi";
    PublishTemplate t(src);
    Delivery d;
    d.version = ProtocolVersion::V311;
    d.topic_alias = 4;
    d.omit_topic = true;
    std::string v3;
    t.append(d, v3);
    EXPECT_EQ(v3, test::bytes({0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'}));
    d.version = ProtocolVersion::V5;
    d.topic_alias = 0;
    std::string v5;
    t.append(d, v5);
    EXPECT_EQ(v5, test::bytes({0x30, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 'h', 'i'}));
}

TEST(PublishTemplate, ExactBytesV5AliasOnly) {
    Publish src;
    src.topic = "a/b";
    src.payload = "hi";
    PublishTemplate t(src);
    Delivery d;
    d.topic_alias = 1;
    d.omit_topic = true;
    std::string out;
    t.append(d, out);
    // 30 | len 9 | 00 00 (no topic) | props 03: 23 00 01 | "hi"
    EXPECT_EQ(out, test::bytes({0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, 'h', 'i'}));
}

}  // namespace
}  // namespace tapmq::mqtt
