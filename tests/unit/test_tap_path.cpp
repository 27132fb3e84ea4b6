// Tap paths: text parse and format, binary form, and clear errors for bad text.
#include <gtest/gtest.h>

#include "tap/path.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;
using test::error_of;

TEST(TapPath, ParseAndFormat) {
    const Path p = Path::parse("/1024//9");
    EXPECT_EQ(p.object, 1024);
    EXPECT_FALSE(p.instance.has_value());
    EXPECT_EQ(p.resource, 9);
    EXPECT_EQ(p.to_string(), "/1024//9");

    EXPECT_EQ(Path::parse("/1028/2/1"), (Path{1028, 2, 1}));
    EXPECT_EQ(Path::parse("/3//0"), (Path{3, std::nullopt, 0}));
    EXPECT_EQ(Path::parse("///"), Path{});
    EXPECT_EQ(Path::parse("/0/0/0"), (Path{0, 0, 0}));
    EXPECT_EQ(Path::parse("/65534//00007"), (Path{65534, std::nullopt, 7}));
    for (const char* text : {"/1024//9", "/1028/2/1", "/3//0", "///", "/65534/0/"}) {
        EXPECT_EQ(Path::parse(text).to_string(), text);
    }
}

TEST(TapPath, Binary) {
    EXPECT_EQ(Path::parse("/1024//9").encode(), bytes("0400FFFF0009"));
    EXPECT_EQ((Path{1028, 2, 1}).encode(), bytes("040400020001"));
}

TEST(TapPath, BinaryRoundTrip) {
    EXPECT_EQ(Path::decode(bytes("040400020001")), (Path{1028, 2, 1}));
    EXPECT_EQ(Path::decode(bytes("FFFFFFFFFFFF")), Path{});
    EXPECT_EQ(Path::decode(bytes("000000000000")), (Path{0, 0, 0}));
    error_of([] { Path::decode(bytes("0400FFFF00")); });
}

TEST(TapPath, BadText) {
    EXPECT_EQ(error_of([] { Path::parse(""); }),
              "path \"\": must start with '/' (/object/instance/resource)");
    EXPECT_NE(error_of([] { Path::parse("1024//9"); }).find("must start with '/'"), std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/1024"); }).find("needs three parts"), std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/1024/9"); }).find("needs three parts"), std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/1024//9/1"); }).find("more than three parts"), std::string::npos);
    EXPECT_EQ(error_of([] { Path::parse("/1024/x/9"); }),
              "path \"/1024/x/9\": instance \"x\" is not a number");
    EXPECT_NE(error_of([] { Path::parse("/-1//9"); }).find("object \"-1\" is not a number"),
              std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/ 1//9"); }).find("is not a number"), std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/65535//9"); }).find("out of range (0 to 65534)"),
              std::string::npos);
    EXPECT_NE(error_of([] { Path::parse("/1//999999"); }).find("resource \"999999\" is out of range"),
              std::string::npos);
}

}  // namespace
}  // namespace tapmq::tap
