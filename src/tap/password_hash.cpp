// Tap password hashes through OpenSSL's PBKDF2, and the login payload.
#include "password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "hex.hpp"
#include "protocol_error.hpp"

namespace tapmq::tap {

PasswordHash password_hash(std::string_view password) {
    PasswordHash out{};
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(kPasswordSalt.data()),
                          static_cast<int>(kPasswordSalt.size()), kPasswordIterations, EVP_sha1(),
                          static_cast<int>(out.size()), out.data()) != 1) {
        throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
    }
    return out;
}

std::string password_hash_hex(std::string_view password) {
    const PasswordHash h = password_hash(password);
    return to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string encode_login(const LoginRequest& login) {
    if (login.user.size() > kUserFieldSize) {
        bad_request("user name of " + std::to_string(login.user.size()) + " bytes (16 at most)");
    }
    if (login.user.find('\0') != std::string::npos) bad_request("user name contains NUL");
    std::string out = login.user;
    out.resize(kUserFieldSize, '\0');
    out.append(reinterpret_cast<const char*>(login.hash.data()), login.hash.size());
    return out;
}

LoginRequest decode_login(std::string_view payload) {
    if (payload.size() != kUserFieldSize + kPasswordHashSize) {
        bad_request("login payload of " + std::to_string(payload.size()) +
                    " bytes (32 expected: user[16] and password hash[16])");
    }
    const std::string_view field = payload.substr(0, kUserFieldSize);
    const auto nul = field.find('\0');
    LoginRequest login;
    login.user = std::string(field.substr(0, nul));
    if (nul != std::string_view::npos && field.find_first_not_of('\0', nul) != std::string_view::npos) {
        bad_request("login user field has bytes after its terminating NUL");
    }
    for (std::size_t i = 0; i < kPasswordHashSize; ++i) {
        login.hash[i] = static_cast<std::uint8_t>(payload[kUserFieldSize + i]);
    }
    return login;
}

bool hash_equal(const PasswordHash& a, const PasswordHash& b) noexcept {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tapmq::tap
