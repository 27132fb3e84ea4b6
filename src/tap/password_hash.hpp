// Tap password hashes (tap-protocol.md §2) and the login request payload that carries them.
//
// hash  = PBKDF2-HMAC-SHA1(password, salt "n0 salt in 1oTi2e", 4096 iterations, 16 bytes)
// login = POST /1024//0 with payload user[16 bytes, zero padded] ‖ hash[16]
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "path.hpp"

namespace tapmq::tap {

inline constexpr std::size_t kPasswordHashSize = 16;
inline constexpr std::size_t kUserFieldSize = 16;
inline constexpr std::string_view kPasswordSalt = "n0 salt in 1oTi2e";
inline constexpr int kPasswordIterations = 4096;

using PasswordHash = std::array<std::uint8_t, kPasswordHashSize>;

// Throws std::runtime_error only if OpenSSL itself fails.
PasswordHash password_hash(std::string_view password);
std::string password_hash_hex(std::string_view password);  // upper case, 32 characters

inline const Path kLoginPath{1024, std::nullopt, 0};
inline const Path kLogoutPath{1024, std::nullopt, 1};

struct LoginRequest {
    std::string user;  // at most 16 bytes, no NUL
    PasswordHash hash{};

    bool operator==(const LoginRequest&) const = default;
};

// Throws ProtocolError(0x80) for a user name over 16 bytes or containing NUL.
std::string encode_login(const LoginRequest& login);
// Throws ProtocolError(0x80) unless 32 bytes; the user name ends at its first NUL, and every byte
// after that NUL must be 0 too.
LoginRequest decode_login(std::string_view payload);

// Constant-time comparison, for checking a login against a profile.
bool hash_equal(const PasswordHash& a, const PasswordHash& b) noexcept;

}  // namespace tapmq::tap
