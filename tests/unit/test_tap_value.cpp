// Variable values: bytes <-> numbers, text and JSON, and the checks a write must pass.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "tap/sensor_demo.hpp"
#include "tap/value.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;
using test::error_of;

const Variable& var(std::string_view name) {
    return *sensor_demo_project().variable(name);
}

Variable array_of(ValueType type, std::uint16_t count) {
    Variable v;
    v.id = 9;
    v.name = "Arr";
    v.type = type;
    v.count = count;
    return v;
}

TEST(TapValue, Decode) {
    EXPECT_EQ(decode_value(var("Count"), bytes("0000002A")), std::vector<double>{42});
    EXPECT_EQ(decode_value(var("Count"), bytes("FFFFFFFF")), std::vector<double>{-1});
    EXPECT_EQ(decode_value(var("Count"), bytes("80000000")), std::vector<double>{-2147483648.0});
    EXPECT_EQ(decode_value(var("LEDStatus"), bytes("FF")), std::vector<double>{255});
    EXPECT_EQ(decode_value(var("Temperature_C"), bytes("41CA6666")), std::vector<double>{25.299999237060547});
    EXPECT_EQ(format_value(var("Temperature_C"), decode_value(var("Temperature_C"), bytes("41CA6666"))),
              "25.3");
    EXPECT_EQ(decode_value(array_of(ValueType::Int16, 3), bytes("0001FFFE7FFF")),
              (std::vector<double>{1, -2, 32767}));
    EXPECT_EQ(decode_value(array_of(ValueType::UInt32, 1), bytes("FFFFFFFF")),
              std::vector<double>{4294967295.0});
    EXPECT_EQ(decode_value(array_of(ValueType::Int8, 1), bytes("80")), std::vector<double>{-128});
    EXPECT_EQ(decode_value(array_of(ValueType::UInt16, 1), bytes("8000")), std::vector<double>{32768});
    EXPECT_EQ(decode_value(array_of(ValueType::Float64, 1), bytes("400921FB54442D18")),
              std::vector<double>{M_PI});
    EXPECT_EQ(error_of([] { decode_value(var("Count"), bytes("000000")); }),
              "Count: 3 bytes for 1 × int32 (4 bytes)");
    error_of([] { decode_value(var("Count"), bytes("0000000000")); });
}

TEST(TapValue, EncodeChecks) {
    EXPECT_EQ(encode_value(var("Period"), {1000}), bytes("000003E8"));
    EXPECT_EQ(encode_value(var("Period"), {10}), bytes("0000000A"));
    EXPECT_EQ(encode_value(var("Period"), {60000}), bytes("0000EA60"));
    EXPECT_EQ(error_of([] { encode_value(var("Period"), {5}); }), "Period: 5 is below the minimum 10");
    EXPECT_EQ(error_of([] { encode_value(var("Period"), {60001}); }),
              "Period: 60001 is above the maximum 60000");
    EXPECT_EQ(error_of([] { encode_value(var("Period"), {10.5}); }),
              "Period: 10.5 is not an integer, as int32 values are");
    EXPECT_EQ(error_of([] { encode_value(var("Period"), {100, 200}); }), "Period: 2 values for 1 element");
    error_of([] { encode_value(var("Period"), {}); });
    error_of([] { encode_value(var("Temperature_C"), {NAN}); });
    error_of([] { encode_value(var("Temperature_C"), {INFINITY}); });
    error_of([] { encode_value(var("LEDConfig"), {3}); });

    Variable choice_only = array_of(ValueType::UInt8, 1);
    choice_only.choices = {{0, "off"}, {5, "five"}};
    EXPECT_EQ(encode_value(choice_only, {5}), bytes("05"));
    EXPECT_EQ(error_of([&] { encode_value(choice_only, {3}); }),
              "Arr: 3 is not one of the choices (0 off, 5 five)");

    EXPECT_EQ(encode_value(array_of(ValueType::UInt32, 1), {4294967295.0}), bytes("FFFFFFFF"));
    error_of([] { encode_value(array_of(ValueType::UInt32, 1), {4294967296.0}); });
    EXPECT_EQ(encode_value(array_of(ValueType::Int8, 2), {-128, 127}), bytes("807F"));
    error_of([] { encode_value(array_of(ValueType::Int8, 1), {-129}); });
    error_of([] { encode_value(array_of(ValueType::UInt8, 1), {-1}); });
    EXPECT_EQ(encode_value(array_of(ValueType::Int16, 1), {-2}), bytes("FFFE"));
    EXPECT_EQ(encode_value(array_of(ValueType::Float32, 1), {25.3}), bytes("41CA6666"));
    error_of([] { encode_value(array_of(ValueType::Float32, 1), {1e39}); });
    EXPECT_EQ(encode_value(array_of(ValueType::Float64, 1), {M_PI}), bytes("400921FB54442D18"));

    // A float32 is checked as stored: 0.1 rounds to 0.100000001490116f, still "at most 0.1", so the
    // value read back passes the checks it passed when written.
    Variable f = array_of(ValueType::Float32, 1);
    f.max = 0.1;
    const std::string raw = parse_value(f, "0.1");
    EXPECT_EQ(encode_value(f, decode_value(f, raw)), raw);
    error_of([&] { parse_value(f, "0.10001"); });
}

TEST(TapValue, CheckRaw) {
    check_value(var("Period"), bytes("000003E8"));
    check_value(var("LEDConfig"), bytes("02"));
    EXPECT_EQ(error_of([] { check_value(var("Period"), bytes("00000005")); }),
              "Period: 5 is below the minimum 10");
    EXPECT_EQ(error_of([] { check_value(var("Period"), bytes("FFFFFFFF")); }),
              "Period: -1 is below the minimum 10");
    error_of([] { check_value(var("Period"), bytes("000003")); });
    error_of([] { check_value(var("LEDConfig"), bytes("03")); });
    error_of([] { check_value(var("Temperature_C"), bytes("7FC00000")); });  // NaN
    check_value(var("Temperature_C"), bytes("41CA6666"));
}

TEST(TapValue, Text) {
    EXPECT_EQ(parse_value(var("LEDConfig"), "blink"), bytes("02"));
    EXPECT_EQ(parse_value(var("LEDConfig"), " on "), bytes("01"));
    EXPECT_EQ(parse_value(var("LEDConfig"), "0"), bytes("00"));
    EXPECT_EQ(parse_value(var("LEDConfig"), "\"off\""), bytes("00"));
    EXPECT_EQ(parse_value(var("Period"), "1000"), bytes("000003E8"));
    EXPECT_EQ(parse_value(var("Period"), "0x3E8"), bytes("000003E8"));
    EXPECT_EQ(parse_value(var("Period"), "[1000]"), bytes("000003E8"));
    EXPECT_EQ(parse_value(var("Period"), "1e3"), bytes("000003E8"));
    EXPECT_EQ(parse_value(var("Temperature_C"), "25.3"), bytes("41CA6666"));
    EXPECT_EQ(parse_value(var("LEDStatus"), "on"), bytes("01"));
    EXPECT_EQ(parse_value(var("LEDStatus"), "true"), bytes("01"));
    EXPECT_EQ(parse_value(var("LEDStatus"), "off"), bytes("00"));
    EXPECT_EQ(parse_value(array_of(ValueType::Int16, 3), "1, -2, 3"), bytes("0001FFFE0003"));
    EXPECT_EQ(parse_value(array_of(ValueType::Int16, 3), "[1,-2,3]"), bytes("0001FFFE0003"));

    EXPECT_EQ(error_of([] { parse_value(var("Period"), "abc"); }), "Period: \"abc\" is not a number");
    EXPECT_EQ(error_of([] { parse_value(var("LEDConfig"), "dim"); }),
              "LEDConfig: \"dim\" is not a number or a label");
    EXPECT_EQ(error_of([] { parse_value(var("Period"), ""); }), "Period: no value given");
    EXPECT_EQ(error_of([] { parse_value(var("Period"), "1000, 2000"); }), "Period: 2 values for 1 element");
    error_of([] { parse_value(var("Period"), "1000,"); });
    error_of([] { parse_value(var("Period"), "[1000"); });
    error_of([] { parse_value(var("Period"), "[[1000]]"); });
    error_of([] { parse_value(var("Period"), "[{}]"); });
    error_of([] { parse_value(var("Period"), "0x"); });
    error_of([] { parse_value(var("Period"), "1e999"); });
    error_of([] { parse_value(var("Temperature_C"), "inf"); });
    error_of([] { parse_value(var("Temperature_C"), "nan"); });
    error_of([] { parse_value(var("Temperature_C"), "0x10"); });
}

TEST(TapValue, Json) {
    EXPECT_EQ(encode_json_value(var("Period"), nlohmann::json(500)), bytes("000001F4"));
    EXPECT_EQ(encode_json_value(var("LEDConfig"), nlohmann::json("blink")), bytes("02"));
    EXPECT_EQ(encode_json_value(array_of(ValueType::UInt8, 2), nlohmann::json::array({1, 2})), bytes("0102"));
    error_of([] { encode_json_value(var("Period"), nlohmann::json(nullptr)); });
    error_of([] { encode_json_value(var("Period"), nlohmann::json::object()); });

    EXPECT_EQ(value_to_json(var("Temperature_C"), {25.299999237060547}).dump(), "25.3");
    EXPECT_EQ(value_to_json(var("Count"), {42}).dump(), "42");
    EXPECT_EQ(value_to_json(array_of(ValueType::Int16, 2), {1, -2}).dump(), "[1,-2]");
    EXPECT_EQ(value_to_json(var("Temperature_C"), {NAN}).dump(), "null");
    EXPECT_EQ(format_value(array_of(ValueType::Int16, 3), {1, -2, 3}), "[1, -2, 3]");
    EXPECT_EQ(format_value(var("Count"), {-7}), "-7");
}

TEST(TapValue, Labels) {
    EXPECT_EQ(label_of(var("LEDConfig"), 2), "blink");
    EXPECT_EQ(label_of(var("LEDStatus"), 1), "on");
    EXPECT_EQ(label_of(var("LEDStatus"), 0), "off");
    EXPECT_EQ(label_of(var("LEDStatus"), 3), std::nullopt);
    EXPECT_EQ(label_of(var("Count"), 1), std::nullopt);
}

TEST(TapValue, Bundles) {
    const Project& p = sensor_demo_project();
    const auto parts = split_bundle_values(p, *p.bundle("Sensors"), bytes("41CA66664053851F"));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], bytes("41CA6666"));
    EXPECT_EQ(parts[1], bytes("4053851F"));
    EXPECT_EQ(split_bundle_values(p, *p.bundle("Count_Status"), bytes("0000000101"))[1], bytes("01"));
    error_of([&] { split_bundle_values(p, *p.bundle("Sensors"), bytes("41CA6666")); });
}

}  // namespace
}  // namespace tapmq::tap
