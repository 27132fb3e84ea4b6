// The HTTP directives of a websockets listener: http_dir (as Mosquitto), and tapmq's http_metrics
// and http_metrics_allow; and the CIDR ranges of the allow list.
#include <gtest/gtest.h>

#include <string>

#include "broker/config.hpp"
#include "broker/http/cidr.hpp"

namespace tapmq::broker {
namespace {

TEST(HttpConfig, DirectivesApplyToTheCurrentListener) {
    const Config c = parse_config(
        "listener 1883\n"
        "listener 9001\n"
        "protocol websockets\n"
        "http_dir /srv/www app\n"
        "http_metrics true\n"
        "http_metrics_allow 10.0.0.0/8 ::1\n"
        "http_metrics_allow 192.168.1.7 # a comment\n");
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_TRUE(c.listeners[0].http_dir.empty());
    EXPECT_FALSE(c.listeners[0].http_metrics);
    EXPECT_EQ(c.listeners[1].http_dir, "/srv/www app");
    EXPECT_TRUE(c.listeners[1].http_metrics);
    EXPECT_EQ(c.listeners[1].http_metrics_allow,
              (std::vector<std::string>{"10.0.0.0/8", "::1", "192.168.1.7"}));
    EXPECT_TRUE(c.warnings.empty());
}

TEST(HttpConfig, BadValuesAreErrorsNamingFileAndLine) {
    try {
        (void)parse_config("listener 9001\nprotocol websockets\nhttp_metrics_allow 10.0.0.0/33\n", "t.conf");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "t.conf:3: directive 'http_metrics_allow': invalid address range '10.0.0.0/33' (expected "
                  "ADDRESS or ADDRESS/BITS)");
    }
    EXPECT_THROW((void)parse_config("listener 9001\nhttp_metrics yes\n"), ConfigError);
    EXPECT_THROW((void)parse_config("listener 9001\nhttp_metrics_allow\n"), ConfigError);
    EXPECT_THROW((void)parse_config("listener 9001\nhttp_dir /a\nhttp_dir /b\n"), ConfigError);  // duplicate
}

TEST(HttpConfig, OnAnMqttListenerHttpDirHasNoEffectAndMetricsAreRefused) {
    // Mosquitto ignores http_dir on an mqtt listener: a note, as for its other meaningless settings.
    const Config c = parse_config("listener 1883\nhttp_dir /srv/www\n", "t.conf");
    ASSERT_EQ(c.notes.size(), 1u);
    EXPECT_EQ(c.notes[0],
              "t.conf:2: directive 'http_dir' has no effect: listener 1883 is not 'protocol websockets' (as "
              "Mosquitto)");
    EXPECT_TRUE(c.listeners[0].http_dir.empty());
    // tapmq's own directive asks for something that would not happen: an error naming the listener.
    try {
        (void)parse_config("listener 1883\nhttp_metrics true\n", "t.conf");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file, "t.conf");
        EXPECT_EQ(e.line, 1);
        EXPECT_EQ(e.directive, "http_metrics");
        EXPECT_NE(e.message.find("not 'protocol websockets'"), std::string::npos) << e.what();
    }
}

TEST(HttpCidr, ParsesAddressesAndPrefixes) {
    EXPECT_TRUE(http::parse_cidr("127.0.0.1"));
    EXPECT_EQ(http::parse_cidr("127.0.0.1")->prefix, 32u);
    EXPECT_EQ(http::parse_cidr("::1")->prefix, 128u);
    EXPECT_EQ(http::parse_cidr("10.0.0.0/8")->prefix, 8u);
    EXPECT_EQ(http::parse_cidr("fd00::/8")->prefix, 8u);
    EXPECT_TRUE(http::parse_cidr("0.0.0.0/0"));
    for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8x", "host.example",
                            "10.0.0.0/-1", "10.0.0.0/0008"}) {
        EXPECT_FALSE(http::parse_cidr(bad)) << bad;
    }
}

TEST(HttpCidr, MatchesPeersInsideTheRangeOnly) {
    const auto addr = [](const char* a) { return boost::asio::ip::make_address(a); };
    const auto net8 = *http::parse_cidr("10.0.0.0/8");
    EXPECT_TRUE(http::cidr_contains(net8, addr("10.255.1.2")));
    EXPECT_FALSE(http::cidr_contains(net8, addr("11.0.0.1")));
    EXPECT_TRUE(http::cidr_contains(net8, addr("::ffff:10.1.2.3")));  // dual-stack socket's view
    EXPECT_FALSE(http::cidr_contains(net8, addr("::1")));
    const auto odd = *http::parse_cidr("192.168.4.0/23");
    EXPECT_TRUE(http::cidr_contains(odd, addr("192.168.5.255")));
    EXPECT_FALSE(http::cidr_contains(odd, addr("192.168.6.0")));
    const auto host = *http::parse_cidr("::1");
    EXPECT_TRUE(http::cidr_contains(host, addr("::1")));
    EXPECT_FALSE(http::cidr_contains(host, addr("::2")));
    EXPECT_TRUE(http::cidr_contains(*http::parse_cidr("0.0.0.0/0"), addr("8.8.8.8")));
}

}  // namespace
}  // namespace tapmq::broker
