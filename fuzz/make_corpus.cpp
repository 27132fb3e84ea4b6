// Writes the seed corpus for fuzz_decoder: valid packets of every type for MQTT 3.1, 3.1.1 and 5.0,
// with as many properties as each packet allows. Each file is one version selector byte (3, 4 or 5)
// followed by one or more encoded packets. Every packet is decoded back before it is written, so a
// seed is known to be accepted.
//
//   cmake --preset fuzz && cmake --build --preset fuzz --target make_corpus
//   build/fuzz/fuzz/make_corpus fuzz/corpus/decoder
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "mqtt/decoder.hpp"
#include "mqtt/encoder.hpp"
#include "mqtt/protocol_error.hpp"

namespace {

using namespace tapmq::mqtt;
namespace fs = std::filesystem;
using V = ProtocolVersion;
using R = ReasonCode;

fs::path g_dir;
int g_count = 0;

void check_decodes(const std::string& bytes, const Packet& p, ProtocolVersion v, std::string_view name) {
    try {
        auto h = parse_fixed_header(bytes, kMaxPacketSize);
        if (h && h->packet_size() == bytes.size() &&
            decode_packet(*h, std::string_view(bytes).substr(h->header_size), v) == p) {
            return;
        }
        std::fprintf(stderr, "make_corpus: %.*s: packet does not round-trip\n", static_cast<int>(name.size()),
                     name.data());
    } catch (const ProtocolError& e) {
        std::fprintf(stderr, "make_corpus: %.*s: decoder rejects it: %s\n", static_cast<int>(name.size()),
                     name.data(), e.what());
    }
    std::exit(1);
}

// One seed: the selector byte, then the packets in order (a CONNECT switches the version). The
// selector is the version, plus `mode` in the high nibble: 1..14 makes the fuzzer deliver the stream
// that many bytes at a time, 15 caps the packet size at 128 bytes (see fuzz_decoder.cpp).
void seed(std::string_view name, ProtocolVersion v, std::initializer_list<Packet> packets,
          std::uint8_t mode = 0) {
    std::string bytes(1, static_cast<char>(mode << 4 | static_cast<std::uint8_t>(v)));
    for (const Packet& p : packets) {
        if (const auto* c = std::get_if<Connect>(&p)) v = c->version;
        std::string one = encode(p, v);
        check_decodes(one, p, v, name);
        bytes += one;
    }
    std::ofstream out(g_dir / (std::string(name) + ".bin"), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "make_corpus: cannot write %s\n", (g_dir / name).c_str());
        std::exit(1);
    }
    ++g_count;
}

constexpr std::string_view kLongTopic =
    "this/topic/is/long/enough/to/push/the/packet/over/one/hundred/and/twenty/eight/bytes/when/the/decoder/"
    "caps/the/packet/size";

Properties user_props(Properties p = {}) {
    p.user_properties = {{"region", "eu-west"}, {"k\xC3\xA9y", "v\xE2\x82\xAC"}, {"", ""}};
    return p;
}

Connect connect_v3(ProtocolVersion v, bool full) {
    Connect c;
    c.version = v;
    c.client_id = "IOTIZE_DEV_1234";
    c.keep_alive = 30;
    c.clean_start = !full;
    if (full) {
        c.will = Will{"IOTIZE_DEV/1234_DEV/status", "offline", QoS::AtLeastOnce, true, {}};
        c.username = "device";
        c.password = std::string_view("s\0cr\xFFt", 6);
    }
    return c;
}

Connect connect_v5_full() {
    Connect c;
    c.version = V::V5;
    c.client_id = "tapmq-client-\xE2\x9C\x93";
    c.keep_alive = 0;
    c.clean_start = false;
    c.username = "user";
    c.password = "pass";
    c.properties = user_props();
    c.properties.session_expiry_interval = 0xFFFFFFFF;
    c.properties.receive_maximum = 20;
    c.properties.maximum_packet_size = 65536;
    c.properties.topic_alias_maximum = 10;
    c.properties.request_response_information = 1;
    c.properties.request_problem_information = 0;
    c.properties.authentication_method = "SCRAM-SHA-256";
    c.properties.authentication_data = std::string_view("\x01\x02\x00\x03", 4);
    Will w;
    w.topic = "devices/42/lwt";
    w.payload = std::string_view("\x00\x01gone", 6);
    w.qos = QoS::ExactlyOnce;
    w.retain = false;
    w.properties = user_props();
    w.properties.will_delay_interval = 120;
    w.properties.payload_format_indicator = 1;
    w.properties.message_expiry_interval = 86400;
    w.properties.content_type = "text/plain";
    w.properties.response_topic = "devices/42/reply";
    w.properties.correlation_data = "corr-7";
    c.will = w;
    return c;
}

Connack connack_v5_full() {
    Connack a;
    a.session_present = true;
    a.properties = user_props();
    a.properties.session_expiry_interval = 300;
    a.properties.receive_maximum = 100;
    a.properties.maximum_qos = 1;
    a.properties.retain_available = 0;
    a.properties.maximum_packet_size = 1'048'576;
    a.properties.assigned_client_identifier = "auto-7F3A";
    a.properties.topic_alias_maximum = 65535;
    a.properties.reason_string = "welcome";
    a.properties.wildcard_subscription_available = 1;
    a.properties.subscription_identifier_available = 0;
    a.properties.shared_subscription_available = 1;
    a.properties.server_keep_alive = 45;
    a.properties.response_information = "responses/auto-7F3A";
    a.properties.server_reference = "mqtt2.example.com:1883";
    a.properties.authentication_method = "SCRAM-SHA-256";
    a.properties.authentication_data = "server-final";
    return a;
}

Publish publish(std::string_view topic, std::string_view payload, QoS qos, std::uint16_t id,
                bool retain = false, bool dup = false) {
    Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.packet_id = qos == QoS::AtMostOnce ? 0 : id;
    p.retain = retain;
    p.dup = dup;
    return p;
}

Publish publish_v5_full() {
    Publish p = publish("IOTIZE_DEV/1234_DEV/data", "{\"t\":21.5,\"h\":40}", QoS::AtLeastOnce, 7, true);
    p.properties = user_props();
    p.properties.payload_format_indicator = 1;
    p.properties.message_expiry_interval = 60;
    p.properties.topic_alias = 3;
    p.properties.response_topic = "IOTIZE_DEV/1234_DEV/reply";
    p.properties.correlation_data = std::string_view("\x00\xFF\x10", 3);
    p.properties.subscription_identifiers = {1, 127, 128, 16'384, kMaxVarInt};
    p.properties.content_type = "application/json";
    return p;
}

template <typename T>
T response(std::uint16_t id, ReasonCode rc = R::Success, bool props = false) {
    T r;
    r.packet_id = id;
    r.reason = rc;
    if (props) {
        r.properties = user_props();
        r.properties.reason_string = "see properties";
    }
    return r;
}

Subscribe subscribe(std::uint16_t id, std::initializer_list<TopicSubscription> topics) {
    Subscribe s;
    s.packet_id = id;
    s.topics = topics;
    return s;
}

TopicSubscription sub(std::string_view filter, QoS qos, bool nl = false, bool rap = false,
                      std::uint8_t rh = 0) {
    return TopicSubscription{filter, SubscriptionOptions{qos, nl, rap, rh}};
}

void write_all() {
    // ---- MQTT 3.1 and 3.1.1 ----------------------------------------------------------------------
    for (ProtocolVersion v : {V::V31, V::V311}) {
        const std::string p = v == V::V31 ? "v31_" : "v311_";
        auto name = [&p](const char* n) { return p + n; };
        seed(name("connect_min"), v, {connect_v3(v, false)});
        seed(name("connect_full"), v, {connect_v3(v, true)});
        {
            Connect c = connect_v3(v, false);
            c.client_id = v == V::V31 ? "x" : "";
            c.username = "only-user";
            seed(name("connect_username"), v, {c});
        }
        seed(name("connack_accepted"), v, {Connack{true, R::Success, {}}});
        seed(name("connack_refused"), v, {Connack{false, R::NotAuthorized, {}}});
        seed(name("connack_bad_credentials"), v, {Connack{false, R::BadUserNameOrPassword, {}}});
        seed(name("publish_qos0"), v,
             {publish("IOTIZE_DEV/1234_DEV/data", "0123456789abcdef", QoS::AtMostOnce, 0)});
        seed(name("publish_qos1_retain"), v, {publish("a/b/c", "", QoS::AtLeastOnce, 1, true)});
        seed(name("publish_qos2_dup"), v,
             {publish("$SYS/broker/uptime", std::string_view("\x00\x01\x02", 3), QoS::ExactlyOnce, 65535,
                      false, true)});
        seed(name("puback"), v, {response<Puback>(1)});
        seed(name("pubrec"), v, {response<Pubrec>(2)});
        seed(name("pubrel"), v, {response<Pubrel>(3)});
        seed(name("pubcomp"), v, {response<Pubcomp>(4)});
        seed(name("subscribe_one"), v, {subscribe(10, {sub("IOTIZE_DEV/+/data", QoS::AtLeastOnce)})});
        seed(name("subscribe_many"), v,
             {subscribe(11, {sub("#", QoS::AtMostOnce), sub("a/+/c/#", QoS::AtLeastOnce),
                             sub("$SYS/#", QoS::ExactlyOnce), sub("/", QoS::AtMostOnce),
                             sub("\xE2\x82\xAC/+", QoS::AtLeastOnce)})});
        seed(name("suback"), v,
             {Suback{11, {R::Success, R::GrantedQoS1, R::GrantedQoS2, R::UnspecifiedError}, {}}});
        seed(name("unsubscribe"), v, {Unsubscribe{12, {"#", "a/+/c", "sport/tennis/player1"}, {}}});
        seed(name("unsuback"), v, {Unsuback{12, {}, {}}});
        seed(name("pingreq"), v, {Pingreq{}});
        seed(name("pingresp"), v, {Pingresp{}});
        seed(name("disconnect"), v, {Disconnect{}});
        seed(name("session_chunked"), v,
             {connect_v3(v, true), subscribe(1, {sub("IOTIZE_DEV/#", QoS::ExactlyOnce)}),
              publish("IOTIZE_DEV/1234_DEV/data", "0123456789abcdef", QoS::AtLeastOnce, 2), Pingreq{}},
             v == V::V31 ? 1 : 7);
        seed(name("session"), v,
             {connect_v3(v, true), subscribe(1, {sub("IOTIZE_DEV/#", QoS::ExactlyOnce)}),
              publish("IOTIZE_DEV/1234_DEV/data", "0123456789abcdef", QoS::AtMostOnce, 0),
              publish("IOTIZE_DEV/1234_DEV/data", "0123456789abcdef", QoS::AtLeastOnce, 2),
              response<Puback>(9), publish("IOTIZE_DEV/1234_DEV/cmd", "reboot", QoS::ExactlyOnce, 3),
              response<Pubrec>(3), response<Pubrel>(3), response<Pubcomp>(3),
              Unsubscribe{4, {"IOTIZE_DEV/#"}, {}}, Pingreq{}, Disconnect{}});
    }

    // ---- MQTT 5.0 ---------------------------------------------------------------------------------
    const V v5 = V::V5;
    {
        Connect c;
        c.version = v5;
        c.client_id = "";
        seed("v5_connect_min", v5, {c});
    }
    seed("v5_connect_full", v5, {connect_v5_full()});
    seed("v5_connack_min", v5, {Connack{}});
    seed("v5_connack_full", v5, {connack_v5_full()});
    {
        Connack a;
        a.reason = R::UseAnotherServer;
        a.properties.server_reference = "other.example.com";
        a.properties.reason_string = "moved";
        seed("v5_connack_use_another_server", v5, {a});
    }
    seed("v5_publish_qos0_small", v5,
         {publish("IOTIZE_DEV/1234_DEV/data", "0123456789abcdef", QoS::AtMostOnce, 0)});
    seed("v5_publish_full", v5, {publish_v5_full()});
    {
        Publish p = publish("", "aliased", QoS::ExactlyOnce, 77, false, true);
        p.properties.topic_alias = 3;
        seed("v5_publish_alias_only", v5, {p});
    }
    {
        Publish p = publish("sensors/temperature", "21.5", QoS::AtMostOnce, 0);
        p.properties.payload_format_indicator = 0;
        p.properties.message_expiry_interval = 0;
        seed("v5_publish_expiry_zero", v5, {p});
    }
    seed("v5_puback_short", v5, {response<Puback>(1)});
    seed("v5_puback_reason", v5, {response<Puback>(2, R::NoMatchingSubscribers)});
    seed("v5_puback_props", v5, {response<Puback>(3, R::QuotaExceeded, true)});
    seed("v5_pubrec_props", v5, {response<Pubrec>(4, R::PacketIdentifierInUse, true)});
    seed("v5_pubrel_props", v5, {response<Pubrel>(5, R::PacketIdentifierNotFound, true)});
    seed("v5_pubcomp_props", v5, {response<Pubcomp>(6, R::Success, true)});
    {
        Subscribe s = subscribe(20, {sub("IOTIZE_DEV/+/data", QoS::AtLeastOnce, true, true, 2),
                                     sub("$share/group/sensors/#", QoS::ExactlyOnce, false, false, 1),
                                     sub("+", QoS::AtMostOnce)});
        s.properties = user_props();
        s.properties.subscription_identifiers = {268'435'455};
        seed("v5_subscribe_options", v5, {s});
    }
    seed("v5_subscribe_one", v5, {subscribe(21, {sub("a/b", QoS::AtMostOnce)})});
    {
        Suback a{20,
                 {R::GrantedQoS1, R::GrantedQoS2, R::Success, R::TopicFilterInvalid, R::NotAuthorized,
                  R::SharedSubscriptionsNotSupported, R::WildcardSubscriptionsNotSupported,
                  R::SubscriptionIdentifiersNotSupported, R::QuotaExceeded, R::ImplementationSpecificError},
                 {}};
        a.properties = user_props();
        a.properties.reason_string = "partially granted";
        seed("v5_suback", v5, {a});
    }
    {
        Unsubscribe u{22, {"a/b", "$share/g/x/#"}, user_props()};
        seed("v5_unsubscribe", v5, {u});
    }
    {
        Unsuback u{22, {R::Success, R::NoSubscriptionExisted, R::NotAuthorized, R::TopicFilterInvalid}, {}};
        u.properties.reason_string = "done";
        seed("v5_unsuback", v5, {u});
    }
    seed("v5_pingreq", v5, {Pingreq{}});
    seed("v5_pingresp", v5, {Pingresp{}});
    seed("v5_disconnect_short", v5, {Disconnect{}});
    {
        Disconnect d;
        d.reason = R::DisconnectWithWillMessage;
        seed("v5_disconnect_will", v5, {d});
    }
    {
        Disconnect d;
        d.reason = R::ServerMoved;
        d.properties = user_props();
        d.properties.session_expiry_interval = 0;
        d.properties.reason_string = "maintenance";
        d.properties.server_reference = "mqtt2.example.com";
        seed("v5_disconnect_props", v5, {d});
    }
    seed("v5_auth_short", v5, {Auth{}});
    {
        Auth a;
        a.reason = R::ContinueAuthentication;
        a.properties = user_props();
        a.properties.authentication_method = "SCRAM-SHA-256";
        a.properties.authentication_data = std::string_view("\x00client-first", 13);
        a.properties.reason_string = "step 1";
        seed("v5_auth_continue", v5, {a});
    }
    {
        Auth a;
        a.reason = R::ReAuthenticate;
        a.properties.authentication_method = "OAUTH2";
        seed("v5_auth_reauth", v5, {a});
    }
    {
        Publish aliased = publish("", "second", QoS::AtMostOnce, 0);
        aliased.properties.topic_alias = 3;
        seed("v5_session", v5,
             {connect_v5_full(), connack_v5_full(),
              subscribe(1, {sub("IOTIZE_DEV/#", QoS::ExactlyOnce, true, false, 1)}),
              Suback{1, {R::GrantedQoS2}, {}}, publish_v5_full(), aliased,
              response<Puback>(7, R::Success, true), response<Pubrec>(8), response<Pubrel>(8),
              response<Pubcomp>(8), Unsubscribe{2, {"IOTIZE_DEV/#"}, {}}, Unsuback{2, {R::Success}, {}},
              Pingreq{}, Pingresp{}, Auth{R::ReAuthenticate, {}}, Disconnect{R::Success, user_props()}});
    }
    seed("v5_publish_chunked", v5, {publish_v5_full(), publish_v5_full()}, 3);
    seed("v5_publish_maxsize128", v5,
         {publish("a/b", "fits", QoS::AtMostOnce, 0), publish(kLongTopic, "too large", QoS::AtMostOnce, 0)},
         15);
    seed("v5_connect_maxsize128", v5, {connect_v5_full()}, 15);
    // A 3.1.1 connection whose first byte claims 5: the CONNECT switches the decoder back.
    seed("mixed_v5_selector_v311_connect", v5,
         {connect_v3(V::V311, true), publish("a/b", "x", QoS::AtLeastOnce, 1), Disconnect{}});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    fs::create_directories(g_dir);
    write_all();
    std::printf("make_corpus: wrote %d seeds to %s\n", g_count, g_dir.c_str());
    return 0;
}
