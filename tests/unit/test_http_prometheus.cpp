// The Prometheus text rendering of a MetricsSnapshot: every family has HELP and TYPE before its
// samples, values and labels as given, histogram buckets cumulative and ending in +Inf, label
// values escaped.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "http/prometheus.hpp"

namespace tapmq::broker::http {
namespace {

MetricsSnapshot sample_snapshot() {
    MetricsSnapshot m;
    m.version = "1.2.3";
    m.uptime_seconds = 42;
    m.clients_connected = 3;
    m.clients_total = 5;
    m.clients_maximum = 7;
    m.publish_received_by_qos = {10, 11, 12};
    m.publish_sent_by_qos = {20, 21, 22};
    m.bytes_received = 1000;
    m.retained_messages = 4;
    StoreMetrics s;
    s.writes = 9;
    s.syncs = 8;
    s.sync_seconds.bounds = {0.001, 0.01};
    s.sync_seconds.counts = {5, 7};
    s.sync_seconds.count = 8;
    s.sync_seconds.sum = 0.5;
    m.store = s;
    ListenerMetrics l;
    l.name = "port 9001";
    l.address = "127.0.0.1";
    l.protocol = "websockets";
    l.http = true;
    l.connections = 2;
    l.accepted = 6;
    l.http_responses = {0, 30, 1, 4, 0};
    m.listeners.push_back(l);
    ListenerMetrics odd;
    odd.name = "we\"ird\\na\nme";
    odd.protocol = "mqtt";
    m.listeners.push_back(odd);
    return m;
}

// The exposition format's pieces, checked by hand (std::regex is avoided: GCC 12 warns inside it
// at -O2 with the sanitizers).
bool is_name_char(char c, bool first, bool colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return alpha || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

// Reads a metric (colon = true) or label name at the front of `s`; empty when there is none.
std::string_view take_name(std::string_view& s, bool colon) {
    std::size_t n = 0;
    while (n < s.size() && is_name_char(s[n], n == 0, colon))
        ++n;
    const auto name = s.substr(0, n);
    s.remove_prefix(n);
    return name;
}

// Reads `{a="x",b="y"}`: names valid, values quoted with only \\, \" and \n escapes.
bool take_labels(std::string_view& s) {
    if (s.empty() || s.front() != '{') return true;
    s.remove_prefix(1);
    for (bool first = true;; first = false) {
        if (!first) {
            if (s.empty()) return false;
            if (s.front() == '}') break;
            if (s.front() != ',') return false;
            s.remove_prefix(1);
        }
        if (take_name(s, false).empty() || !s.starts_with("=\"")) return false;
        s.remove_prefix(2);
        while (!s.empty() && s.front() != '"') {
            if (s.front() == '\n') return false;
            if (s.front() == '\\') {
                if (s.size() < 2 || std::string_view("\\\"n").find(s[1]) == std::string_view::npos)
                    return false;
                s.remove_prefix(1);
            }
            s.remove_prefix(1);
        }
        if (s.empty()) return false;
        s.remove_prefix(1);
    }
    s.remove_prefix(1);
    return true;
}

bool is_value(std::string_view v) {
    if (v == "+Inf") return true;
    if (v.empty()) return false;
    return v.find_first_not_of("0123456789.e+-") == std::string_view::npos;
}

// Sample lines by "name{labels}" -> value text, checking the format line by line on the way.
std::map<std::string, std::string> parse_strict(const std::string& text) {
    std::map<std::string, std::string> out;
    std::map<std::string, std::string> types;
    std::string last_help;
    std::istringstream in(text);
    std::string line;
    EXPECT_EQ(text.back(), '\n');
    while (std::getline(in, line)) {
        std::string_view rest = line;
        if (rest.starts_with("# HELP ")) {
            rest.remove_prefix(7);
            const auto name = take_name(rest, true);
            EXPECT_FALSE(name.empty()) << line;
            EXPECT_TRUE(rest.size() > 1 && rest.front() == ' ') << "HELP without text: " << line;
            last_help = name;
        } else if (rest.starts_with("# TYPE ")) {
            rest.remove_prefix(7);
            const std::string name(take_name(rest, true));
            EXPECT_EQ(name, last_help) << "TYPE without its HELP: " << line;
            EXPECT_FALSE(types.contains(name)) << "family twice: " << line;
            EXPECT_TRUE(rest == " counter" || rest == " gauge" || rest == " histogram") << line;
            types[name] = rest.substr(std::min<std::size_t>(1, rest.size()));
        } else {
            std::string family(take_name(rest, true));
            const bool ok =
                !family.empty() && take_labels(rest) && rest.starts_with(' ') && is_value(rest.substr(1));
            if (!ok) {
                ADD_FAILURE() << "not a valid exposition line: '" << line << "'";
                continue;
            }
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                if (!types.contains(family) && family.ends_with(suffix))
                    family.resize(family.size() - std::string(suffix).size());
            }
            EXPECT_TRUE(types.contains(family)) << "sample before its TYPE: " << line;
            const std::string key = line.substr(0, line.rfind(' '));
            EXPECT_FALSE(out.contains(key)) << "sample twice: " << line;
            out[key] = rest.substr(1);
        }
    }
    return out;
}

TEST(HttpPrometheus, RendersEveryFamilyInTheTextFormat) {
    const auto s = parse_strict(render_prometheus(sample_snapshot()));
    EXPECT_EQ(s.at("tapmq_build_info{version=\"1.2.3\"}"), "1");
    EXPECT_EQ(s.at("tapmq_uptime_seconds"), "42");
    EXPECT_EQ(s.at("tapmq_clients_connected"), "3");
    EXPECT_EQ(s.at("tapmq_sessions"), "5");
    EXPECT_EQ(s.at("tapmq_publish_received_total{qos=\"0\"}"), "10");
    EXPECT_EQ(s.at("tapmq_publish_received_total{qos=\"2\"}"), "12");
    EXPECT_EQ(s.at("tapmq_publish_sent_total{qos=\"1\"}"), "21");
    EXPECT_EQ(s.at("tapmq_bytes_received_total"), "1000");
    EXPECT_EQ(s.at("tapmq_retained_messages"), "4");
    EXPECT_EQ(s.at("tapmq_store_writes_total"), "9");
    const std::string listener =
        R"(listener="port 9001",address="127.0.0.1",protocol="websockets",tls="false")";
    EXPECT_EQ(s.at("tapmq_listener_connections{" + listener + "}"), "2");
    EXPECT_EQ(s.at("tapmq_listener_connections_accepted_total{" + listener + "}"), "6");
    EXPECT_EQ(s.at("tapmq_listener_http_responses_total{" + listener + R"(,code="2xx"})"), "30");
    EXPECT_EQ(s.at("tapmq_listener_http_responses_total{" + listener + R"(,code="4xx"})"), "4");
}

TEST(HttpPrometheus, HistogramBucketsAreCumulativeAndEndInInf) {
    const auto s = parse_strict(render_prometheus(sample_snapshot()));
    EXPECT_EQ(s.at("tapmq_store_sync_seconds_bucket{le=\"0.001\"}"), "5");
    EXPECT_EQ(s.at("tapmq_store_sync_seconds_bucket{le=\"0.01\"}"), "7");
    EXPECT_EQ(s.at("tapmq_store_sync_seconds_bucket{le=\"+Inf\"}"), "8");
    EXPECT_EQ(s.at("tapmq_store_sync_seconds_count"), "8");
    EXPECT_EQ(s.at("tapmq_store_sync_seconds_sum"), "0.5");
}

TEST(HttpPrometheus, LabelValuesAreEscaped) {
    const std::string text = render_prometheus(sample_snapshot());
    (void)parse_strict(text);
    EXPECT_NE(text.find(R"(listener="we\"ird\\na\nme")"), std::string::npos);
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), R"(a\"b\\c\nd)");
}

TEST(HttpPrometheus, WithoutPersistenceThereAreNoStoreFamilies) {
    MetricsSnapshot m = sample_snapshot();
    m.store.reset();
    const std::string text = render_prometheus(m);
    (void)parse_strict(text);
    EXPECT_EQ(text.find("tapmq_store_"), std::string::npos);
}

}  // namespace
}  // namespace tapmq::broker::http
