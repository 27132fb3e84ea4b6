// Tap result codes: names, success bit, unknown bytes.
#include <gtest/gtest.h>

#include "tap/result_code.hpp"

namespace tapmq::tap {
namespace {

TEST(TapResultCode, Names) {
    EXPECT_EQ(name(ResultCode::Content), "Content");
    EXPECT_EQ(name(ResultCode::Changed), "Changed");
    EXPECT_EQ(name(ResultCode::Unauthorized), "Unauthorized");
    EXPECT_EQ(name(ResultCode::BadRequest), "Bad Request");
    EXPECT_EQ(name(ResultCode::TargetUnreachable), "unable to connect to target");
    EXPECT_EQ(name(ResultCode::TargetBusy), "target protocol error: busy");
    EXPECT_EQ(name(ResultCode::TargetNotImplemented), "target protocol error: not implemented");
    EXPECT_EQ(name(static_cast<ResultCode>(0x99)), "unknown");
    EXPECT_EQ(describe(ResultCode::Content), "0x45 Content");
    EXPECT_EQ(describe(static_cast<ResultCode>(0x01)), "0x01 unknown");
}

TEST(TapResultCode, Values) {
    EXPECT_EQ(static_cast<int>(ResultCode::Created), 0x41);
    EXPECT_EQ(static_cast<int>(ResultCode::Busy), 0x46);
    EXPECT_EQ(static_cast<int>(ResultCode::NotAcceptable), 0x86);
    EXPECT_EQ(static_cast<int>(ResultCode::ServiceUnavailable), 0xA3);
    EXPECT_EQ(static_cast<int>(ResultCode::NvmFull), 0xA7);
    EXPECT_EQ(static_cast<int>(ResultCode::TargetError), 0xB0);
    EXPECT_EQ(static_cast<int>(ResultCode::TargetNotImplemented), 0xBB);
}

TEST(TapResultCode, SuccessIsBit7Clear) {
    EXPECT_TRUE(is_success(ResultCode::Content));
    EXPECT_TRUE(is_success(ResultCode::Busy));  // 0x46: bit 7 clear, so a success by the spec's rule
    EXPECT_FALSE(is_success(ResultCode::BadRequest));
    EXPECT_FALSE(is_success(ResultCode::TargetAbort));
    EXPECT_TRUE(is_success(static_cast<ResultCode>(0x00)));
    EXPECT_FALSE(is_success(static_cast<ResultCode>(0xFF)));
}

TEST(TapResultCode, EveryKnownByteHasAName) {
    int known = 0;
    for (int b = 0; b < 256; ++b) {
        const auto code = static_cast<ResultCode>(b);
        if (is_known(code)) {
            ++known;
            EXPECT_NE(name(code), "unknown");
        }
    }
    EXPECT_EQ(known, 5 + 5 + 3 + 4 + 12);
}

}  // namespace
}  // namespace tapmq::tap
