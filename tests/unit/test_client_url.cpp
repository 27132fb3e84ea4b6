// Broker URLs (-L): mosquitto's mqtt:// and mqtts://, and the ws:// / wss:// extension.
#include <gtest/gtest.h>

#include "client/url.hpp"

using namespace tapmq::client;

TEST(Url, MosquittoForm) {
    const Url u = parse_url("mqtt://alice:secret@broker.example:1884/sensors/temp");
    EXPECT_EQ(u.transport, Transport::Tcp);
    EXPECT_EQ(u.username, "alice");
    EXPECT_EQ(u.password, "secret");
    EXPECT_EQ(u.host, "broker.example");
    EXPECT_EQ(u.port, 1884);
    EXPECT_TRUE(u.port_given);
    EXPECT_EQ(u.topic, "sensors/temp");
}

TEST(Url, DefaultPorts) {
    EXPECT_EQ(parse_url("mqtt://h/t").port, 1883);
    EXPECT_EQ(parse_url("mqtts://h/t").port, 8883);
    EXPECT_EQ(parse_url("ws://h").port, 80);
    EXPECT_EQ(parse_url("wss://h").port, 443);
    EXPECT_FALSE(parse_url("mqtts://h").port_given);
    EXPECT_EQ(parse_url("mqtts://h").transport, Transport::Tls);
}

TEST(Url, TopicIsTakenAsIs) {
    EXPECT_EQ(parse_url("mqtt://h/a/+/c/#").topic, "a/+/c/#");
    EXPECT_EQ(parse_url("mqtt://h/a@b/c:d").topic, "a@b/c:d");  // '@' and ':' after the host are topic
    EXPECT_EQ(parse_url("mqtt://h/a@b").host, "h");
    EXPECT_EQ(parse_url("mqtt://h//lead").topic, "/lead");
    EXPECT_EQ(parse_url("mqtt://h").topic, "");
    EXPECT_EQ(parse_url("mqtt://h/").topic, "");
    EXPECT_EQ(parse_url("mqtt://h/%41").topic, "%41");  // not decoded: topics are not URL-encoded
}

TEST(Url, NoUserInfo) {
    const Url u = parse_url("mqtt://localhost");
    EXPECT_FALSE(u.username);
    EXPECT_FALSE(u.password);
    EXPECT_EQ(u.host, "localhost");
}

TEST(Url, UserWithoutPassword) {
    const Url u = parse_url("mqtt://bob@h/t");
    EXPECT_EQ(u.username, "bob");
    EXPECT_FALSE(u.password);
    EXPECT_EQ(parse_url("mqtt://bob:@h/t").password, "");
}

TEST(Url, PasswordWithReservedCharacters) {
    const Url u = parse_url("mqtt://bob:p%40ss%3Aw%2Frd@h/t");
    EXPECT_EQ(u.password, "p@ss:w/rd");
    // An unencoded '@' in the password works too: the last '@' of the authority ends the user info.
    EXPECT_EQ(parse_url("mqtt://bob:p@ss@h/t").password, "p@ss");
    EXPECT_EQ(parse_url("mqtt://bob:50%@h/t").password, "50%");  // a lone '%' stays
}

TEST(Url, WebSocketPath) {
    EXPECT_EQ(parse_url("ws://h:8083").ws_path, "/mqtt");
    EXPECT_EQ(parse_url("ws://h:8083/").ws_path, "/");
    const Url u = parse_url("wss://u:p@broker.example:8884/mqtt/v2?x=1");
    EXPECT_EQ(u.transport, Transport::Wss);
    EXPECT_EQ(u.port, 8884);
    EXPECT_EQ(u.ws_path, "/mqtt/v2?x=1");
    EXPECT_EQ(u.topic, "");
    EXPECT_EQ(u.username, "u");
}

TEST(Url, SchemesAreCaseInsensitiveAndPahoSpellingsWork) {
    EXPECT_EQ(parse_url("MQTTS://h").transport, Transport::Tls);
    EXPECT_EQ(parse_url("tcp://h").transport, Transport::Tcp);
    EXPECT_EQ(parse_url("ssl://h").transport, Transport::Tls);
    EXPECT_EQ(parse_url("tls://h").transport, Transport::Tls);
    EXPECT_EQ(parse_url("WSS://h").transport, Transport::Wss);
}

TEST(Url, Ipv6) {
    const Url u = parse_url("mqtt://[::1]:1999/t");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 1999);
    EXPECT_EQ(parse_url("mqtts://[fe80::1]").port, 8883);
    EXPECT_THROW(parse_url("mqtt://[::1/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://[::1]x/t"), UrlError);
}

TEST(Url, Errors) {
    EXPECT_THROW(parse_url("localhost:1883"), UrlError);
    EXPECT_THROW(parse_url("http://h/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt:///t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://user@/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://@h/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://h:/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://h:0/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://h:65536/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://h:99999999999999999999/t"), UrlError);
    EXPECT_THROW(parse_url("mqtt://h:12a/t"), UrlError);
    EXPECT_EQ(parse_url("mqtt://h:65535/t").port, 65535);
}

TEST(Url, ErrorsSayWhat) {
    try {
        parse_url("http://h/t");
        FAIL();
    } catch (const UrlError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown URL scheme 'http'"), std::string::npos) << e.what();
    }
}

TEST(Url, SchemeNamesAndPorts) {
    EXPECT_STREQ(scheme_name(Transport::Wss), "wss");
    EXPECT_EQ(default_port(Transport::Tls), 8883);
    EXPECT_TRUE(uses_tls(Transport::Wss));
    EXPECT_FALSE(uses_tls(Transport::Ws));
    EXPECT_TRUE(uses_websocket(Transport::Ws));
}
