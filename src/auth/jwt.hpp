// JSON Web Token (RFC 7519) verification for MQTT CONNECT passwords, with OpenSSL 3 only.
//
// A token is accepted when all of these hold:
//  - it is three base64url parts without padding, at most JwtConfig::max_token_bytes long;
//  - the header is a JSON object whose "alg" is exactly the configured algorithm ("none", a
//    mismatch or a missing alg is refused, which also rules out RS256/HS256 key confusion), and
//    that has no "crit" member (no extension is understood);
//  - the signature verifies: HS256 = HMAC-SHA256 with the secret; RS256 = RSASSA-PKCS1-v1_5
//    SHA-256 with an RSA public key of at least 2048 bits; ES256 = ECDSA P-256 SHA-256 with the
//    64-byte R||S signature of RFC 7518 section 3.4;
//  - the payload is a JSON object (duplicate member names are refused, in header and payload);
//  - "exp" (required unless require_exp is false) and "nbf", NumericDates, hold with `leeway_s`:
//    refused when now >= exp + leeway or now < nbf - leeway;
//  - "iss" equals `issuer` and "aud" (a string or an array of strings) contains `audience`,
//    when those are configured (non-empty);
//  - the username claim (default "sub") is a non-empty string.
// Optional topic-list claims (default names "pub" and "subs": "sub" is RFC 7519's subject) are
// arrays of topic filters (a single string is taken as a one-element array); when present, each
// entry must be a valid filter. What they mean is the broker's business: this only reports them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapmq::auth {

enum class JwtAlgorithm { HS256, RS256, ES256 };

std::string_view to_string(JwtAlgorithm alg) noexcept;
// "HS256" / "RS256" / "ES256" (exact case); nullopt otherwise.
std::optional<JwtAlgorithm> jwt_algorithm_from_string(std::string_view name) noexcept;

struct JwtConfig {
    JwtAlgorithm algorithm = JwtAlgorithm::HS256;
    // HS256: a file holding the shared secret (raw bytes; trailing '\r'/'\n' are stripped, so that
    // `echo secret > file` works); at least 32 bytes (RFC 7518 section 3.2).
    // RS256/ES256: a PEM file with the public key ("BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY")
    // or a certificate ("BEGIN CERTIFICATE") whose key is used.
    std::string key_file;
    // Alternatively the key itself (same content as the file would have); used when key_file is
    // empty. Handy for tests and for keys from elsewhere.
    std::string key_data;

    std::int64_t leeway_s = 30;
    bool require_exp = true;
    // Empty = not checked. (Plain strings, not std::optional<std::string>: GCC 12 at -O2/-O3 reports
    // a false -Wmaybe-uninitialized on copies of the latter, which -Werror turns into an error.)
    std::string audience;
    std::string issuer;
    std::string username_claim = "sub";
    // Empty name = do not look for that claim.
    std::string publish_claim = "pub";
    std::string subscribe_claim = "subs";
    std::size_t max_token_bytes = 16384;
};

struct JwtResult {
    bool ok = false;
    std::string error;  // why not ok (never quotes the signature or secret)
    std::string username;
    std::vector<std::string> pub, sub;
    bool has_pub = false;  // the publish claim was present (an empty array then means "nothing")
    bool has_sub = false;
    std::optional<std::int64_t> exp;
};

class JwtVerifier {
  public:
    // Loads the key; throws std::runtime_error (naming the file) when it cannot be read or is not
    // a usable key for the algorithm (wrong type, RSA < 2048 bits, EC curve other than P-256,
    // secret shorter than 32 bytes).
    explicit JwtVerifier(JwtConfig config);
    ~JwtVerifier();
    JwtVerifier(JwtVerifier&&) noexcept;
    JwtVerifier& operator=(JwtVerifier&&) noexcept;
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    // Thread-safe: each call uses its own OpenSSL contexts.
    JwtResult verify(std::string_view token, std::int64_t now_unix) const;

    const JwtConfig& config() const noexcept { return config_; }

  private:
    struct Key;
    // The reason a signature does not verify with the configured key, or nothing.
    std::optional<std::string> check_signature(std::string_view signing_input,
                                               std::string_view signature_b64) const;

    JwtConfig config_;
    std::unique_ptr<Key> key_;
};

}  // namespace tapmq::auth
