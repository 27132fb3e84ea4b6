// Helpers shared by the test_tap_*.cpp files.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>

#include "tap/hex.hpp"
#include "tap/protocol_error.hpp"

namespace tapmq::tap::test {

// Bytes from hex text; fails the test on bad hex.
inline std::string bytes(std::string_view hex) {
    auto b = from_hex(hex);
    EXPECT_TRUE(b.has_value()) << "bad hex in test: " << hex;
    return b.value_or("");
}

// Runs f, expects a ProtocolError with `code`, and returns its message ("" if none was thrown).
inline std::string error_of(const std::function<void()>& f, ResultCode code = ResultCode::BadRequest) {
    try {
        f();
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no ProtocolError thrown";
    return "";
}

}  // namespace tapmq::tap::test
