// Bridge configuration: the topic table and its mapping (the cases of Mosquitto's mosquitto.conf(5)
// and bridge_topic.c), and every bridge directive with Mosquitto's defaults, checks and refusals.
#include <gtest/gtest.h>

#include <string>

#include "broker/bridge/topic_map.hpp"
#include "broker/config.hpp"

using namespace tapmq::broker;
using namespace tapmq::broker::bridge;

namespace {

Config parse(const std::string& text) {
    return parse_config(text, "t.conf");
}

ConfigError parse_error(const std::string& text) {
    try {
        (void)parse(text);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return ConfigError("", 0, "", "");
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// The table of one bridge whose topic lines are `lines`.
TopicMap map_of(const std::string& lines) {
    const auto c = parse("connection b\naddress 127.0.0.1\n" + lines);
    return TopicMap(c.bridges.at(0).topics);
}

}  // namespace

TEST(BridgeTopic, PatternWithoutPrefixesIsTheSameOnBothSides) {
    const auto m = map_of("topic sensors/# both 1\n");
    const auto& t = m.topics().at(0);
    EXPECT_EQ(t.local_topic, "sensors/#");
    EXPECT_EQ(t.remote_topic, "sensors/#");
    EXPECT_EQ(t.qos, 1);
    EXPECT_EQ(t.direction, Direction::Both);
    EXPECT_EQ(m.to_remote("sensors/a"), "sensors/a");
    EXPECT_EQ(m.to_local("sensors/a"), "sensors/a");
}

TEST(BridgeTopic, DefaultsAreOutAndQos0) {
    const auto m = map_of("topic a/#\n");
    EXPECT_EQ(m.topics().at(0).direction, Direction::Out);
    EXPECT_EQ(m.topics().at(0).qos, 0);
}

TEST(BridgeTopic, PrefixesAreSwapped) {
    // mosquitto.conf(5): "topic # both 2 local/topic/ remote/topic/" maps local/topic/x <-> remote/topic/x.
    const auto m = map_of("topic # both 2 local/topic/ remote/topic/\n");
    const auto& t = m.topics().at(0);
    EXPECT_EQ(t.local_topic, "local/topic/#");
    EXPECT_EQ(t.remote_topic, "remote/topic/#");
    EXPECT_EQ(m.to_remote("local/topic/a/b"), "remote/topic/a/b");
    EXPECT_EQ(m.to_local("remote/topic/a/b"), "local/topic/a/b");
}

TEST(BridgeTopic, EmptyPrefixIsNone) {
    const auto m = map_of("topic # in 0 \"\" site1/\n");
    const auto& t = m.topics().at(0);
    EXPECT_FALSE(t.local_prefix.has_value());
    EXPECT_EQ(t.remote_topic, "site1/#");
    EXPECT_EQ(t.local_topic, "#");
    EXPECT_EQ(m.to_local("site1/temp"), "temp");
    const auto out = map_of("topic # out 0 site1/ \"\"\n");
    EXPECT_EQ(out.to_remote("site1/temp"), "temp");
}

TEST(BridgeTopic, EmptyPatternMapsOneTopicToAnother) {
    // topic "" out 1 local/topic remote/topic: the prefixes are the whole topics.
    const auto m = map_of("topic \"\" both 1 local/alarm remote/site1/alarm\n");
    const auto& t = m.topics().at(0);
    EXPECT_TRUE(t.pattern.empty());
    EXPECT_EQ(t.local_topic, "local/alarm");
    EXPECT_EQ(t.remote_topic, "remote/site1/alarm");
    EXPECT_EQ(m.to_remote("local/alarm"), "remote/site1/alarm");
    EXPECT_EQ(m.to_local("remote/site1/alarm"), "local/alarm");
}

TEST(BridgeTopic, FirstMatchingLineOfTheDirectionWins) {
    const auto m = map_of(
        "topic a/# out 0 l1/ r1/\n"
        "topic a/# in 0 l2/ r2/\n"
        "topic # both 0 l3/ r3/\n");
    EXPECT_EQ(m.to_remote("l1/a/x"), "r1/a/x");
    EXPECT_EQ(m.to_remote("l3/b"), "r3/b");
    EXPECT_EQ(m.to_local("r2/a/x"), "l2/a/x");
    EXPECT_EQ(m.to_local("r1/a/x"), "r1/a/x");  // no in line matches: unchanged (as Mosquitto)
}

TEST(BridgeTopic, LinesWithoutPrefixLeaveTopicsAlone) {
    const auto m = map_of("topic # both 0\n");
    EXPECT_EQ(m.to_remote("x/y"), "x/y");
    EXPECT_EQ(m.to_local("$SYS/x"), "$SYS/x");
}

TEST(BridgeTopic, InvalidLinesAreRefusedWithTheReason) {
    struct Case {
        const char* line;
        const char* reason;
    } cases[] = {
        {"topic \"\" out 0\n", "needs both a local and a remote prefix"},
        {"topic \"\" out 0 local/\n", "needs both a local and a remote prefix"},
        {"topic # out 0 a/+/ b/\n", "local prefix 'a/+/' contains a wildcard"},
        {"topic # out 0 a/ b/#/\n", "remote prefix 'b/#/' contains a wildcard"},
        {"topic + out 0 a b\n", "make 'a+'"},
        {"topic a/#/b out\n", "not a valid topic filter"},
        {"topic # sideways\n", "invalid direction 'sideways'"},
        {"topic # out 3\n", "out of range"},
        {"topic\n", "missing value"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.line);
        const auto e = parse_error(std::string("connection b\naddress h\n") + k.line);
        EXPECT_EQ(e.line, 3);
        EXPECT_EQ(e.directive, "topic");
        EXPECT_TRUE(contains(e.message, k.reason)) << e.message;
    }
}

TEST(BridgeTopic, DuplicateLineIsSkippedWithAWarning) {
    const auto c = parse("connection b\naddress h\ntopic a/# out 1\ntopic a/# out 1\n");
    EXPECT_EQ(c.bridges.at(0).topics.size(), 1u);
    ASSERT_EQ(c.warnings.size(), 1u);
    EXPECT_TRUE(contains(c.warnings[0], "t.conf:4: directive 'topic': duplicate bridge topic"))
        << c.warnings[0];
}

TEST(BridgeConfig, MosquittoDefaults) {
    const auto c = parse("listener 1883\nconnection cloud\naddress broker.example\ntopic # out 1\n");
    ASSERT_EQ(c.bridges.size(), 1u);
    const auto& b = c.bridges[0];
    EXPECT_EQ(b.name, "cloud");
    EXPECT_EQ(b.line, 2);
    ASSERT_EQ(b.addresses.size(), 1u);
    EXPECT_EQ(b.addresses[0].host, "broker.example");
    EXPECT_EQ(b.addresses[0].port, 1883);
    EXPECT_EQ(b.protocol_version, 4);
    EXPECT_FALSE(b.cleansession);
    EXPECT_FALSE(b.local_cleansession);
    EXPECT_TRUE(b.remote_clientid.ends_with(".cloud")) << b.remote_clientid;  // HOSTNAME.NAME
    EXPECT_EQ(b.local_clientid, "local." + b.remote_clientid);
    EXPECT_EQ(b.notification_topic, "$SYS/broker/connection/" + b.remote_clientid + "/state");
    EXPECT_TRUE(b.try_private);
    EXPECT_TRUE(b.notifications);
    EXPECT_FALSE(b.notifications_local_only);
    EXPECT_EQ(b.keepalive_interval, 60);
    EXPECT_EQ(b.restart_base, 5u);
    EXPECT_EQ(b.restart_cap, 30u);
    EXPECT_EQ(b.start_type, StartType::Automatic);
    EXPECT_EQ(b.threshold, 10u);
    EXPECT_EQ(b.idle_timeout, 60u);
    EXPECT_TRUE(b.attempt_unsubscribe);
    EXPECT_TRUE(b.outgoing_retain);
    EXPECT_FALSE(b.round_robin);
    EXPECT_FALSE(b.tls());
}

TEST(BridgeConfig, EveryDirective) {
    const auto c = parse(
        "connection a\n"
        "addresses primary.example:1884 backup.example [::1] 10.0.0.1:2000 # comment\n"
        "round_robin true\n"
        "topic t/# both 2\n"
        "bridge_protocol_version mqttv50\n"
        "cleansession true\n"
        "local_cleansession false\n"
        "bridge_session_expiry_interval 600\n"
        "remote_clientid r1\n"
        "local_clientid l1\n"
        "remote_username ru\n"
        "remote_password rp w\n"
        "local_username lu\n"
        "local_password lp\n"
        "try_private false\n"
        "notifications false\n"
        "notifications_local_only true\n"
        "notification_topic bridges/a/state\n"
        "keepalive_interval 30\n"
        "restart_timeout 2 40\n"
        "start_type lazy\n"
        "threshold 5\n"
        "idle_timeout 7\n"
        "bridge_attempt_unsubscribe false\n"
        "bridge_outgoing_retain false\n"
        "bridge_max_packet_size 1000\n"
        "bridge_receive_maximum 50\n"
        "bridge_cafile /ca.pem\n"
        "bridge_certfile /c.pem\n"
        "bridge_keyfile /k.pem\n"
        "bridge_insecure true\n"
        "bridge_tls_version tlsv1.3\n"
        "bridge_alpn mqtt\n"
        "connection b\n"
        "address h2\n"
        "clientid c2\n"
        "username u2\n"
        "password p2\n"
        "topic x in\n"
        "restart_timeout 9\n"
        "start_type once\n"
        "bridge_protocol_version mqttv31\n");
    ASSERT_EQ(c.bridges.size(), 2u);
    const auto& a = c.bridges[0];
    ASSERT_EQ(a.addresses.size(), 4u);
    EXPECT_EQ(a.addresses[0].host, "primary.example");
    EXPECT_EQ(a.addresses[0].port, 1884);
    EXPECT_EQ(a.addresses[1].port, 1883);
    EXPECT_EQ(a.addresses[2].host, "[::1]");
    EXPECT_EQ(a.addresses[3].port, 2000);
    EXPECT_TRUE(a.round_robin);
    EXPECT_EQ(a.protocol_version, 5);
    EXPECT_TRUE(a.cleansession);
    EXPECT_FALSE(a.local_cleansession);
    EXPECT_EQ(a.session_expiry_interval, 600u);
    EXPECT_EQ(a.remote_clientid, "r1");
    EXPECT_EQ(a.local_clientid, "l1");
    EXPECT_EQ(a.remote_username, "ru");
    EXPECT_EQ(a.remote_password, "rp w");
    EXPECT_EQ(a.local_username, "lu");
    EXPECT_EQ(a.local_password, "lp");
    EXPECT_FALSE(a.try_private);
    EXPECT_FALSE(a.notifications);
    EXPECT_TRUE(a.notifications_local_only);
    EXPECT_EQ(a.notification_topic, "bridges/a/state");
    EXPECT_EQ(a.keepalive_interval, 30);
    EXPECT_EQ(a.restart_base, 2u);
    EXPECT_EQ(a.restart_cap, 40u);
    EXPECT_EQ(a.start_type, StartType::Lazy);
    EXPECT_EQ(a.threshold, 5u);
    EXPECT_EQ(a.idle_timeout, 7u);
    EXPECT_FALSE(a.attempt_unsubscribe);
    EXPECT_FALSE(a.outgoing_retain);
    EXPECT_EQ(a.max_packet_size, 1000u);
    EXPECT_EQ(a.receive_maximum, 50);
    EXPECT_TRUE(a.tls());
    EXPECT_EQ(a.certfile, "/c.pem");
    EXPECT_EQ(a.keyfile, "/k.pem");
    EXPECT_TRUE(a.insecure);
    EXPECT_EQ(a.tls_version, "tlsv1.3");
    EXPECT_EQ(a.alpn, "mqtt");
    const auto& b = c.bridges[1];
    EXPECT_EQ(b.remote_clientid, "c2");  // the deprecated spellings
    EXPECT_EQ(b.remote_username, "u2");
    EXPECT_EQ(b.remote_password, "p2");
    EXPECT_EQ(b.restart_base, 9u);
    EXPECT_EQ(b.restart_cap, 0u);  // one value: a constant delay
    EXPECT_EQ(b.start_type, StartType::Once);
    EXPECT_EQ(b.protocol_version, 3);
    EXPECT_EQ(b.local_clientid, "local.c2");
}

TEST(BridgeConfig, LocalCleansessionFollowsCleansession) {
    const auto c = parse("connection a\naddress h\ntopic t\ncleansession true\n");
    EXPECT_TRUE(c.bridges.at(0).local_cleansession);
}

TEST(BridgeConfig, ErrorsNameFileLineAndReason) {
    struct Case {
        const char* text;
        int line;
        const char* directive;
        const char* reason;
    } cases[] = {
        {"connection a\ntopic t\n", 1, "connection", "bridge 'a' has no address"},
        {"connection a\naddress h\n", 1, "connection", "bridge 'a' has no topic"},
        {"connection a\naddress h\ntopic t\nconnection a\n", 4, "connection", "duplicate bridge name 'a'"},
        {"connection a\naddress h\naddress h2\n", 3, "address", "already given"},
        {"connection a\naddress h:0\n", 2, "address", "out of range"},
        {"connection a\naddress h:x\n", 2, "address", "expected an integer"},
        {"connection a\naddress h\ntopic t\nbridge_protocol_version mqttv6\n", 4, "bridge_protocol_version",
         "expected mqttv31, mqttv311 or mqttv50"},
        {"connection a\naddress h\ntopic t\nstart_type sometimes\n", 4, "start_type", "expected automatic"},
        {"connection a\naddress h\ntopic t\nrestart_timeout 10 5\n", 4, "restart_timeout", "cap is lower"},
        {"connection a\naddress h\ntopic t\nkeepalive_interval 2\n", 4, "keepalive_interval", "out of range"},
        {"connection a\naddress h\ntopic t\nbridge_certfile /c\nbridge_cafile /ca\n", 1, "connection",
         "both bridge_certfile and bridge_keyfile"},
        {"connection a\naddress h\ntopic t\nbridge_insecure true\n", 1, "connection", "no bridge_cafile"},
        {"connection a\naddress h\ntopic t\nbridge_receive_maximum 10\n", 1, "connection", "mqttv50"},
        {"connection a\naddress h\ntopic t\nlocal_clientid x\nlocal_clientid y\n", 5, "local_clientid",
         "duplicate value"},
        {"connection a\naddress h\ntopic t\nnotification_topic a/+\n", 4, "notification_topic",
         "not a valid topic name"},
        {"address h\n", 1, "address", "only valid in a bridge section"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.text);
        const auto e = parse_error(k.text);
        EXPECT_EQ(e.line, k.line);
        EXPECT_EQ(e.directive, k.directive);
        EXPECT_TRUE(contains(e.message, k.reason)) << e.message;
    }
}

TEST(BridgeConfig, WhatTapmqdCannotDoIsRefused) {
    struct Case {
        const char* line;
        const char* reason;
    } cases[] = {
        {"bridge_identity client1", "TLS-PSK"},
        {"bridge_psk 0102", "TLS-PSK"},
        {"bridge_bind_address 10.0.0.1", "bridge_bind_address"},
        {"bridge_require_ocsp true", "OCSP"},
        {"bridge_tls_version tlsv1.1", "use tlsv1.2"},
    };
    for (const auto& k : cases) {
        SCOPED_TRACE(k.line);
        const auto e = parse_error(std::string("connection a\naddress h\ntopic t\n") + k.line + "\n");
        EXPECT_EQ(e.line, 4);
        EXPECT_TRUE(contains(e.message, "not supported by tapmqd: ")) << e.message;
        EXPECT_TRUE(contains(e.message, k.reason)) << e.message;
    }
    EXPECT_NO_THROW(parse("connection a\naddress h\ntopic t\nbridge_require_ocsp false\n"));
}
