// Base64 and base64url of src/auth: RFC 4648 section 10 vectors and the strictness rules.
#include <gtest/gtest.h>

#include <string>

#include "auth/base64.hpp"

namespace tapmq::auth {
namespace {

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

TEST(AuthBase64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(std::string_view(plain)), encoded);
        const auto back = base64_decode(encoded);
        ASSERT_TRUE(back.has_value()) << encoded;
        EXPECT_EQ(str(*back), plain);
    }
}

TEST(AuthBase64, PaddingIsOptionalWhenDecoding) {
    ASSERT_TRUE(base64_decode("Zg").has_value());
    EXPECT_EQ(str(*base64_decode("Zg")), "f");
    EXPECT_EQ(str(*base64_decode("Zm8")), "fo");
}

TEST(AuthBase64, RefusesCharactersOutsideTheAlphabet) {
    EXPECT_FALSE(base64_decode("Zm9v!").has_value());
    EXPECT_FALSE(base64_decode("Zm 9v").has_value());
    EXPECT_FALSE(base64_decode("Zm9v\n").has_value());
    EXPECT_FALSE(base64_decode("Zm-_").has_value());  // url alphabet
}

TEST(AuthBase64, RefusesImpossibleLengthAndBadPadding) {
    EXPECT_FALSE(base64_decode("Zm9vY").has_value());  // 5 chars: 30 bits
    EXPECT_FALSE(base64_decode("Zg=").has_value());
    EXPECT_FALSE(base64_decode("Z===").has_value());
    EXPECT_FALSE(base64_decode("Zm8==").has_value());
    EXPECT_FALSE(base64_decode("=").has_value());
}

TEST(AuthBase64, RefusesNonCanonicalTrailingBits) {
    EXPECT_FALSE(base64_decode("Zh==").has_value());  // "Zg==" with a stray low bit
    EXPECT_FALSE(base64_decode("Zm9=").has_value());
}

TEST(AuthBase64, UrlAlphabetWithoutPadding) {
    const std::uint8_t raw[] = {0xFB, 0xFF, 0xBF};
    EXPECT_EQ(base64url_encode(std::span<const std::uint8_t>(raw)), "-_-_");
    EXPECT_EQ(base64_encode(std::span<const std::uint8_t>(raw)), "+/+/");
    const std::uint8_t two[] = {0xFB, 0xFF};
    EXPECT_EQ(base64url_encode(std::span<const std::uint8_t>(two)), "-_8");
    const auto back = base64url_decode("-_8");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, Bytes(std::begin(two), std::end(two)));
}

TEST(AuthBase64, UrlRefusesPaddingAndStandardAlphabet) {
    EXPECT_FALSE(base64url_decode("Zg==").has_value());
    EXPECT_FALSE(base64url_decode("+/8").has_value());
    EXPECT_TRUE(base64url_decode("Zg").has_value());
}

}  // namespace
}  // namespace tapmq::auth
