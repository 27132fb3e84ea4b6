// tap::describe_request / describe_response / data_json: requests and responses in words, with the
// Sensor Demo project's names and types (what the spy and `ctl raw` print).
#include <gtest/gtest.h>

#include "tap/describe.hpp"
#include "tap/object_model.hpp"
#include "tap/password_hash.hpp"
#include "tap/sensor_demo.hpp"

using namespace tapmq::tap;

namespace {
const Project* demo() {
    return &sensor_demo_project();
}
std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}
}  // namespace

TEST(Describe, RequestsWithNames) {
    EXPECT_EQ(describe_request({Method::Get, paths::variable_value(4), ""}, demo()),
              "GET /1029/4/4 (Period)");
    EXPECT_EQ(describe_request({Method::Put, paths::variable_value(4), be32(500)}, demo()),
              "PUT /1029/4/4 (Period) 500");
    EXPECT_EQ(describe_request({Method::Put, paths::variable_value(3), std::string(1, '\2')}, demo()),
              "PUT /1029/3/4 (LEDConfig) blink (2)");
    EXPECT_EQ(describe_request({Method::Get, paths::bundle_values(2), ""}, demo()),
              "GET /1028/2/1 (bundle Sensors)");
    EXPECT_EQ(describe_request({Method::Get, paths::kApplicationName, ""}, nullptr),
              "GET /1024//9 (application name)");
    EXPECT_EQ(describe_request({Method::Post, kLoginPath, encode_login({"supervisor", password_hash("x")})},
                               demo()),
              "POST /1024//0 (login supervisor)");
    EXPECT_EQ(describe_request({Method::Get, paths::variable_value(99), ""}, demo()), "GET /1029/99/4");
    EXPECT_EQ(describe_request({Method::Put, paths::kFirmwarePackage, be32(4096) + "abcd"}, demo()),
              "PUT /5//0 (firmware package) 4 bytes at 4096");
    // A value of the wrong size is shown as hex, never thrown.
    EXPECT_EQ(describe_request({Method::Put, paths::variable_value(4), "\x01"}, demo()),
              "PUT /1029/4/4 (Period) 01");
}

TEST(Describe, ResponsesTyped) {
    const TapRequest period{Method::Get, paths::variable_value(4), ""};
    EXPECT_EQ(describe_response(&period, {ResultCode::Content, be32(500)}, demo()), "0x45 Content 500");
    const TapRequest name{Method::Get, paths::kApplicationName, ""};
    EXPECT_EQ(describe_response(&name, {ResultCode::Content, "Sensor_demo"}, demo()),
              "0x45 Content \"Sensor_demo\"");
    const TapRequest bundle{Method::Get, paths::bundle_values(1), ""};
    EXPECT_EQ(describe_response(&bundle, {ResultCode::Content, be32(42) + "\x01"}, demo()),
              "0x45 Content Count=42 LEDStatus=1");
    EXPECT_EQ(describe_response(&period, {ResultCode::Unauthorized, "anonymous may not GET Period"}, demo()),
              "0x81 Unauthorized \"anonymous may not GET Period\"");
    EXPECT_EQ(describe_response(nullptr, {ResultCode::Content, std::string("\x00\xff", 2)}, demo()),
              "0x45 Content 00FF");
    const TapRequest version{Method::Get, paths::kConfigVersion, ""};
    EXPECT_EQ(describe_response(&version, {ResultCode::Content, be32(7)}, demo()), "0x45 Content 7");
}

TEST(Describe, DataAsJson) {
    const TapRequest bundle{Method::Get, paths::bundle_values(1), ""};
    EXPECT_EQ(data_json(&bundle, {ResultCode::Content, be32(42) + "\x01"}, demo()).dump(),
              R"({"Count":42,"LEDStatus":1})");
    const TapRequest period{Method::Get, paths::variable_value(4), ""};
    EXPECT_EQ(data_json(&period, {ResultCode::Content, be32(500)}, demo()).dump(), "500");
    EXPECT_EQ(data_json(&period, {ResultCode::Content, "x"}, demo()).dump(), R"({"hex":"78"})");
    EXPECT_EQ(data_json(&period, {ResultCode::Content, ""}, demo()).dump(), "null");
}
