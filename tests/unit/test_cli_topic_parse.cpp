// tap::parse_tap_topic and the fleet filters: topics back to Taps, as the spy and `ctl ls` read them.
#include <gtest/gtest.h>

#include "tap/topic_parse.hpp"
#include "tap/topics.hpp"

using namespace tapmq::tap;

namespace {
constexpr std::string_view kTemplate = "IOTIZE_DEV/{serial}_DEV";
}

TEST(TopicParse, EveryTopicOfATapRoundTrips) {
    TapTopics t(kTemplate, "IoTzPr0041");
    struct Case {
        std::string topic;
        TopicKind kind;
        std::string reply_id;
    };
    const Case cases[] = {{t.cmd(), TopicKind::Cmd, ""},
                          {t.resp(), TopicKind::Resp, ""},
                          {t.cmd("ctl-1"), TopicKind::Cmd, "ctl-1"},
                          {t.resp("ctl-1"), TopicKind::Resp, "ctl-1"},
                          {t.status(), TopicKind::Status, ""},
                          {t.data(), TopicKind::Data, ""},
                          {t.event(), TopicKind::Event, ""},
                          {t.app_in(), TopicKind::AppIn, ""},
                          {t.app_out(), TopicKind::AppOut, ""}};
    for (const auto& c : cases) {
        auto info = parse_tap_topic(kTemplate, c.topic);
        ASSERT_TRUE(info) << c.topic;
        EXPECT_EQ(info->serial, "IoTzPr0041");
        EXPECT_EQ(info->prefix, "IOTIZE_DEV/IoTzPr0041_DEV");
        EXPECT_EQ(info->kind, c.kind) << c.topic;
        EXPECT_EQ(info->reply_id, c.reply_id);
    }
}

TEST(TopicParse, OtherTopicsAreNotTaps) {
    for (const char* topic : {"IOTIZE_DEV/IoTzPr0041/cmd", "IOTIZE_DEV/_DEV/cmd", "IOTIZE_DEV/x_DEV/other",
                              "IOTIZE_DEV/x_DEV/cmd/a/b", "IOTIZE_DEV/x_DEV/cmd/", "OTHER/x_DEV/cmd",
                              "IOTIZE_DEV/x_DEV", "IOTIZE_DEV/x_DEV/status/more"}) {
        EXPECT_FALSE(parse_tap_topic(kTemplate, topic)) << topic;
    }
}

TEST(TopicParse, TemplatesOfOtherShapes) {
    auto a = parse_tap_topic("taps/{serial}/dev", "taps/SN1/dev/status");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->serial, "SN1");
    EXPECT_EQ(a->prefix, "taps/SN1/dev");
    EXPECT_FALSE(parse_tap_topic("taps/{serial}/dev", "taps/SN1/other/status"));
    auto b = parse_tap_topic("{serial}", "SN2/resp/r");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->serial, "SN2");
    EXPECT_EQ(b->kind, TopicKind::Resp);
    auto c = parse_tap_topic("fixed/tap", "fixed/tap/data");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->serial, "");
    EXPECT_EQ(c->kind, TopicKind::Data);
}

TEST(TopicParse, FleetFilters) {
    EXPECT_EQ(fleet_filter(kTemplate, "status"), "IOTIZE_DEV/+/status");
    EXPECT_EQ(fleet_filter("a/{serial}/b", "status"), "a/+/b/status");
    EXPECT_EQ(fleet_filter("fixed/tap", "status"), "fixed/tap/status");
    EXPECT_EQ(fleet_root_filter(kTemplate), "IOTIZE_DEV/#");
    EXPECT_EQ(fleet_root_filter("{serial}_DEV"), "#");
    EXPECT_EQ(fleet_root_filter("fixed/tap"), "fixed/tap/#");
}
