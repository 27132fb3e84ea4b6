// A Tap's topics (§5) and the object model's paths (§2).
#include <gtest/gtest.h>

#include "tap/multi_command.hpp"
#include "tap/object_model.hpp"
#include "tap/password_hash.hpp"
#include "tap/topics.hpp"

namespace tapmq::tap {
namespace {

TEST(TapTopics, Scheme) {
    const TapTopics t("IOTIZE_DEV/{serial}_DEV", "IoTzPr004100000000");
    EXPECT_EQ(t.prefix(), "IOTIZE_DEV/IoTzPr004100000000_DEV");
    EXPECT_EQ(t.cmd(), "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd");
    EXPECT_EQ(t.resp(), "IOTIZE_DEV/IoTzPr004100000000_DEV/resp");
    EXPECT_EQ(t.cmd("r1"), "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd/r1");
    EXPECT_EQ(t.resp("r1"), "IOTIZE_DEV/IoTzPr004100000000_DEV/resp/r1");
    EXPECT_EQ(t.cmd_filter(), "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd/#");
    EXPECT_EQ(t.status(), "IOTIZE_DEV/IoTzPr004100000000_DEV/status");
    EXPECT_EQ(t.data(), "IOTIZE_DEV/IoTzPr004100000000_DEV/data");
    EXPECT_EQ(t.event(), "IOTIZE_DEV/IoTzPr004100000000_DEV/event");
    EXPECT_EQ(t.app_in(), "IOTIZE_DEV/IoTzPr004100000000_DEV/app/in");
    EXPECT_EQ(t.app_out(), "IOTIZE_DEV/IoTzPr004100000000_DEV/app/out");
    EXPECT_EQ(TapTopics("fleet/{serial}", "S1").status(), "fleet/S1/status");
    EXPECT_THROW(TapTopics("x/{serial}", ""), std::invalid_argument);
    EXPECT_THROW(TapTopics("x/{serial}", "a/b"), std::invalid_argument);
    EXPECT_THROW(TapTopics("x/{serial}", "a+"), std::invalid_argument);
    EXPECT_THROW(TapTopics("x/{serial}", "#"), std::invalid_argument);
}

TEST(TapTopics, ReplyTopic) {
    const TapTopics t("IOTIZE_DEV/{serial}_DEV", "S");
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/cmd"), "IOTIZE_DEV/S_DEV/resp");
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/cmd/abc-1"), "IOTIZE_DEV/S_DEV/resp/abc-1");
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/cmd/"), std::nullopt);
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/cmd/a/b"), std::nullopt);
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/cmdx"), std::nullopt);
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/S_DEV/resp"), std::nullopt);
    EXPECT_EQ(t.reply_topic_for("IOTIZE_DEV/T_DEV/cmd"), std::nullopt);
    EXPECT_TRUE(valid_reply_id("r1"));
    EXPECT_FALSE(valid_reply_id(""));
    EXPECT_FALSE(valid_reply_id("a+"));
}

TEST(TapObjectModel, Paths) {
    EXPECT_EQ(paths::kSerialNumber.to_string(), "/3//2");
    EXPECT_EQ(paths::kCurrentTime.to_string(), "/3//13");
    EXPECT_EQ(paths::kApplicationName.to_string(), "/1024//9");
    EXPECT_EQ(paths::kConfigVersion.to_string(), "/1024//10");
    EXPECT_EQ(paths::kRelayNetkey.to_string(), "/1024//55");
    EXPECT_EQ(paths::kRelayTopicPrefix.to_string(), "/1024//58");
    EXPECT_EQ(paths::kTargetMemory.to_string(), "/1027//33");
    EXPECT_EQ(paths::bundle_values(2).to_string(), "/1028/2/1");
    EXPECT_EQ(paths::variable_value(4).to_string(), "/1029/4/4");
    EXPECT_EQ(paths::kReadableValues.to_string(), "/1029//4");
    EXPECT_EQ(paths::kDatalogDequeue.to_string(), "/1031//11");
    EXPECT_EQ(paths::kFirmwareResult.to_string(), "/5//5");
    EXPECT_EQ(paths::kLogin, kLoginPath);
    EXPECT_EQ(paths::kLogout, kLogoutPath);
    EXPECT_EQ(paths::kMultiCommand, kMultiCommandPath);
}

}  // namespace
}  // namespace tapmq::tap
