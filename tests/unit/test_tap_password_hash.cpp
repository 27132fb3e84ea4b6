// Tap password hashes (the spec's vector) and the login payload.
#include <gtest/gtest.h>

#include "tap/password_hash.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;
using test::error_of;

TEST(TapPasswordHash, SpecVector) {
    EXPECT_EQ(password_hash_hex("admin"), "0155AFFC023AFF6882F56A4E0D9C5466");
    const PasswordHash h = password_hash("admin");
    EXPECT_EQ(h[0], 0x01);
    EXPECT_EQ(h[15], 0x66);
    EXPECT_NE(password_hash_hex("supervisor"), password_hash_hex("admin"));
    EXPECT_EQ(password_hash_hex("").size(), 32u);
}

TEST(TapPasswordHash, Login) {
    const LoginRequest login{"admin", password_hash("admin")};
    const std::string payload = encode_login(login);
    EXPECT_EQ(payload,
              std::string("admin") + std::string(11, '\0') + bytes("0155AFFC023AFF6882F56A4E0D9C5466"));
    EXPECT_EQ(decode_login(payload), login);
    EXPECT_EQ(kLoginPath.to_string(), "/1024//0");

    const LoginRequest full{"sixteen_chars_ok", password_hash("x")};
    EXPECT_EQ(decode_login(encode_login(full)), full);
    error_of([] { encode_login(LoginRequest{"seventeen_chars__", {}}); });
    error_of([] { encode_login(LoginRequest{std::string("a\0b", 3), {}}); });
    error_of([] { decode_login(std::string(31, '\0')); });
    error_of([] { decode_login(std::string(33, '\0')); });
    error_of([] { decode_login(std::string("ab\0c", 4) + std::string(28, '\0')); });
    EXPECT_EQ(decode_login(std::string(32, '\0')).user, "");
}

TEST(TapPasswordHash, Compare) {
    EXPECT_TRUE(hash_equal(password_hash("admin"), password_hash("admin")));
    EXPECT_FALSE(hash_equal(password_hash("admin"), password_hash("Admin")));
}

}  // namespace
}  // namespace tapmq::tap
