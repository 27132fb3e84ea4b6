// The pure pieces of `tapmq ctl`: exit statuses of Tap answers, error sentences, status messages
// and the diagnosis of a silent Tap.
#include <gtest/gtest.h>

#include "ctl/diagnosis.hpp"
#include "ctl/outcome.hpp"

using namespace tapmq::cli::ctl;
using tapmq::tap::ResultCode;
using tapmq::tap::TapResponse;

namespace {
std::chrono::system_clock::time_point at(std::int64_t unix_s) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(unix_s));
}
constexpr std::int64_t k20261207_1230 = 1796646600;  // 2026-12-07T12:30:00Z
}  // namespace

TEST(CtlOutcome, EachKindOfRefusalHasItsOwnExitStatus) {
    EXPECT_EQ(exit_code_for(ResultCode::BadRequest), kCtlBadInput);
    EXPECT_EQ(exit_code_for(ResultCode::NotFound), kCtlNotFound);
    EXPECT_EQ(exit_code_for(ResultCode::Unauthorized), kCtlRefused);
    EXPECT_EQ(exit_code_for(ResultCode::MethodNotAllowed), kCtlRefused);
    EXPECT_EQ(exit_code_for(ResultCode::TargetUnreachable), kCtlTapError);
    EXPECT_EQ(exit_code_for(ResultCode::InternalError), kCtlTapError);
    const int all[] = {kCtlOk,      kCtlNetwork,  kCtlBadInput, kCtlBroker,
                       kCtlTimeout, kCtlNotFound, kCtlRefused,  kCtlTapError};
    for (std::size_t i = 0; i < std::size(all); ++i)
        for (std::size_t j = i + 1; j < std::size(all); ++j)
            EXPECT_NE(all[i], all[j]);
}

TEST(CtlOutcome, ErrorSentencesCarryTheTapsReason) {
    EXPECT_EQ(
        error_text({ResultCode::Unauthorized, "anonymous may not PUT the variable Period"}, "PUT Period"),
        "refused: 0x81 Unauthorized (anonymous may not PUT the variable Period)");
    EXPECT_EQ(error_text({ResultCode::NotFound, ""}, "GET /9//9"), "not found: 0x84 Not Found (GET /9//9)");
    EXPECT_EQ(error_text({ResultCode::BadRequest, std::string("\x01\x02", 2)}, "PUT Period"),
              "bad request: 0x80 Bad Request (PUT Period)");
    EXPECT_NO_THROW(expect_success({ResultCode::Changed, ""}, "x"));
    try {
        expect_success({ResultCode::Unauthorized, ""}, "PUT Period");
        FAIL() << "no throw";
    } catch (const CtlError& e) {
        EXPECT_EQ(e.code(), kCtlRefused);
    }
}

TEST(CtlDiagnosis, StatusMessages) {
    auto s = parse_status(
        R"({"state":"online","serial":"IoTzPr0041","firmware":"1.0.0","application":"Sensor_demo","config_version":1,"since":"2026-12-07T16:30:00Z"})");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->online());
    EXPECT_EQ(s->firmware, "1.0.0");
    EXPECT_EQ(s->config_version, 1);
    auto will = parse_status(R"({"state":"offline","serial":"IoTzPr0041","reason":"connection lost"})");
    ASSERT_TRUE(will);
    EXPECT_FALSE(will->online());
    EXPECT_EQ(will->reason, "connection lost");
    EXPECT_FALSE(parse_status("offline"));
    EXPECT_FALSE(parse_status(R"({"state":1})"));
}

TEST(CtlDiagnosis, ShortTimesOnTheSameDay) {
    EXPECT_EQ(short_time("2026-12-07T12:03:11Z", at(k20261207_1230)), "12:03:11");
    EXPECT_EQ(short_time("2026-12-06T12:03:11.250Z", at(k20261207_1230)), "2026-12-06 12:03:11");
    EXPECT_EQ(short_time("yesterday", at(k20261207_1230)), "yesterday");
}

TEST(CtlDiagnosis, NoAnswerSaysWhy) {
    const std::string topic = "IOTIZE_DEV/IoTzPr0041_DEV/status";
    TapStatus off{"offline", "IoTzPr0041", "", "", std::nullopt, "2026-12-07T12:03:11Z", "stopped"};
    EXPECT_EQ(
        no_answer("IoTzPr0041", 5, off, topic, at(k20261207_1230)),
        "no answer from IoTzPr0041 in 5 s; its status says offline since 12:03:11, stopped (the Tap is not "
        "connected to the broker)");
    TapStatus will{"offline", "IoTzPr0041", "", "", std::nullopt, "", "connection lost"};
    EXPECT_EQ(no_answer("IoTzPr0041", 0.5, will, topic, at(k20261207_1230)),
              "no answer from IoTzPr0041 in 0.5 s; its status says offline, connection lost (the Tap is not "
              "connected "
              "to the broker)");
    const std::string none = no_answer("IoTzPr0041", 5, std::nullopt, topic, at(k20261207_1230));
    EXPECT_NE(none.find("no status on " + topic), std::string::npos) << none;
    TapStatus on{"online", "IoTzPr0041", "", "", 1, "2026-12-07T12:00:00Z", ""};
    const std::string online = no_answer("IoTzPr0041", 5, on, topic, at(k20261207_1230));
    EXPECT_NE(online.find("its status says online since 12:00:00 (the Tap is connected but did not answer"),
              std::string::npos)
        << online;
}
