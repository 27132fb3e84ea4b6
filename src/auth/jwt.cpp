#include "auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "auth/acl_file.hpp"
#include "auth/base64.hpp"
#include "auth/password_file.hpp"  // read_text_file

namespace tapmq::auth {

std::string_view to_string(JwtAlgorithm alg) noexcept {
    switch (alg) {
        case JwtAlgorithm::HS256:
            return "HS256";
        case JwtAlgorithm::RS256:
            return "RS256";
        case JwtAlgorithm::ES256:
            return "ES256";
    }
    return "?";
}

std::optional<JwtAlgorithm> jwt_algorithm_from_string(std::string_view name) noexcept {
    if (name == "HS256") return JwtAlgorithm::HS256;
    if (name == "RS256") return JwtAlgorithm::RS256;
    if (name == "ES256") return JwtAlgorithm::ES256;
    return std::nullopt;
}

struct JwtVerifier::Key {
    std::vector<std::uint8_t> secret;  // HS256
    EVP_PKEY* pkey = nullptr;          // RS256 / ES256
    ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

using json = nlohmann::json;

EVP_PKEY* decode_public_key(const std::string& pem, const std::string& where) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) throw std::runtime_error("out of memory");
    EVP_PKEY* pkey = nullptr;
    if (pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
        X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        if (cert != nullptr) {
            pkey = X509_get_pubkey(cert);
            X509_free(cert);
        }
    } else {
        OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr,
                                                               EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
        if (dctx != nullptr) {
            if (OSSL_DECODER_from_bio(dctx, bio) != 1) pkey = nullptr;
            OSSL_DECODER_CTX_free(dctx);
        }
    }
    BIO_free(bio);
    if (pkey == nullptr) throw std::runtime_error(where + ": no PEM public key or certificate found");
    return pkey;
}

// Parses a JSON object, refusing duplicate member names at any depth.
std::optional<json> parse_object(const std::vector<std::uint8_t>& bytes, std::string& error) {
    std::vector<std::set<std::string>> seen;
    bool duplicate = false;
    auto cb = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
                seen.emplace_back();
                break;
            case json::parse_event_t::object_end:
                if (!seen.empty()) seen.pop_back();
                break;
            case json::parse_event_t::key:
                if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second) duplicate = true;
                break;
            default:
                break;
        }
        return true;
    };
    json j = json::parse(bytes.begin(), bytes.end(), cb, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        error = "is not valid JSON";
        return std::nullopt;
    }
    if (duplicate) {
        error = "has a duplicate member name";
        return std::nullopt;
    }
    if (!j.is_object()) {
        error = "is not a JSON object";
        return std::nullopt;
    }
    return j;
}

// NumericDate: a JSON number; fractions are allowed (RFC 7519 section 2) and rounded down.
std::optional<std::int64_t> numeric_date(const json& v) {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
            return static_cast<std::int64_t>(u);
        }
        return v.get<std::int64_t>();
    }
    if (v.is_number_float()) {
        const double d = std::floor(v.get<double>());
        if (!std::isfinite(d) || d < -9.0e18 || d > 9.0e18) return std::nullopt;
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

bool verify_hs256(const std::vector<std::uint8_t>& secret, std::string_view signing_input,
                  const std::vector<std::uint8_t>& sig) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t mac_len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
                  sizeof(mac), &mac_len) == nullptr) {
        return false;
    }
    return mac_len == 32 && sig.size() == 32 && CRYPTO_memcmp(mac, sig.data(), 32) == 0;
}

bool verify_digest_signature(EVP_PKEY* pkey, std::string_view signing_input, const unsigned char* sig,
                             std::size_t sig_len) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return false;
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
        EVP_DigestVerify(ctx, sig, sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool verify_es256(EVP_PKEY* pkey, std::string_view signing_input, const std::vector<std::uint8_t>& sig) {
    if (sig.size() != 64) return false;
    BIGNUM* r = BN_bin2bn(sig.data(), 32, nullptr);
    BIGNUM* s = BN_bin2bn(sig.data() + 32, 32, nullptr);
    ECDSA_SIG* esig = ECDSA_SIG_new();
    if (r == nullptr || s == nullptr || esig == nullptr || ECDSA_SIG_set0(esig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(esig);
        return false;
    }
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(esig, &der);
    ECDSA_SIG_free(esig);  // owns r and s
    if (der_len <= 0) return false;
    const bool ok = verify_digest_signature(pkey, signing_input, der, static_cast<std::size_t>(der_len));
    OPENSSL_free(der);
    return ok;
}

// A claim holding topic filters: an array of strings, or one string.
bool topic_list(const json& v, std::vector<std::string>& out) {
    auto add = [&](const json& item) {
        if (!item.is_string()) return false;
        auto s = item.get<std::string>();
        if (!acl_valid_filter(s)) return false;
        out.push_back(std::move(s));
        return true;
    };
    if (v.is_string()) return add(v);
    if (!v.is_array()) return false;
    for (const auto& item : v) {
        if (!add(item)) return false;
    }
    return true;
}

JwtResult fail(std::string why) {
    JwtResult r;
    r.error = std::move(why);
    return r;
}

// A compact token's three base64url parts and the signed input (header.payload).
struct TokenParts {
    std::string_view header, payload, signature, signing_input;
};

std::optional<TokenParts> split_token(std::string_view token) {
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return std::nullopt;
    return TokenParts{token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1), token.substr(dot2 + 1),
                      token.substr(0, dot2)};
}

// The JOSE header: the configured algorithm (never "none"), no critical extensions.
std::optional<std::string> check_header(std::string_view header_b64, JwtAlgorithm algorithm) {
    const auto bytes = base64url_decode(header_b64);
    if (!bytes || bytes->empty()) return "header is not valid base64url";
    std::string why;
    const auto header = parse_object(*bytes, why);
    if (!header) return "header " + why;
    const auto alg_it = header->find("alg");
    if (alg_it == header->end() || !alg_it->is_string()) return "header has no alg";
    const auto alg = alg_it->get<std::string>();
    if (alg == "none" || alg.empty()) return "unsigned token (alg none) refused";
    if (alg != to_string(algorithm)) {
        return "token alg does not match the configured algorithm " + std::string(to_string(algorithm));
    }
    if (header->contains("crit")) return "header has crit extensions, which are not supported";
    return std::nullopt;
}

// exp (required when configured) and nbf, with the configured leeway; `exp` gets the expiry.
std::optional<std::string> check_validity(const json& claims, const JwtConfig& config, std::int64_t now,
                                          std::optional<std::int64_t>& exp_out) {
    if (const auto it = claims.find("exp"); it != claims.end()) {
        const auto exp = numeric_date(*it);
        if (!exp) return "exp is not a NumericDate";
        if (*exp <= now - config.leeway_s) return "token expired";
        exp_out = *exp;
    } else if (config.require_exp) {
        return "token has no exp";
    }
    if (const auto it = claims.find("nbf"); it != claims.end()) {
        const auto nbf = numeric_date(*it);
        if (!nbf) return "nbf is not a NumericDate";
        if (*nbf > now + config.leeway_s) return "token not yet valid";
    }
    return std::nullopt;
}

bool audience_matches(const json& aud, const std::string& wanted) {
    if (aud.is_string()) return aud.get<std::string>() == wanted;
    if (!aud.is_array()) return false;
    for (const auto& a : aud) {
        if (a.is_string() && a.get<std::string>() == wanted) return true;
    }
    return false;
}

std::optional<std::string> check_issuer_and_audience(const json& claims, const JwtConfig& config) {
    if (!config.issuer.empty()) {
        const auto it = claims.find("iss");
        if (it == claims.end() || !it->is_string() || it->get<std::string>() != config.issuer) {
            return "issuer mismatch";
        }
    }
    if (!config.audience.empty()) {
        const auto it = claims.find("aud");
        if (it == claims.end() || !audience_matches(*it, config.audience)) return "audience mismatch";
    }
    return std::nullopt;
}

// The user name claim and the optional publish / subscribe topic grants.
std::optional<std::string> read_identity(const json& claims, const JwtConfig& config, JwtResult& result) {
    const auto user = claims.find(config.username_claim);
    if (user == claims.end() || !user->is_string() || user->get<std::string>().empty()) {
        return "claim '" + config.username_claim + "' (username) missing or not a non-empty string";
    }
    result.username = user->get<std::string>();
    const auto grants = [&](const std::string& claim, std::vector<std::string>& topics,
                            bool& present) -> std::optional<std::string> {
        if (claim.empty()) return std::nullopt;
        const auto it = claims.find(claim);
        if (it == claims.end()) return std::nullopt;
        if (!topic_list(*it, topics)) return "claim '" + claim + "' must be an array of topic filters";
        present = true;
        return std::nullopt;
    };
    if (auto bad = grants(config.publish_claim, result.pub, result.has_pub)) return bad;
    return grants(config.subscribe_claim, result.sub, result.has_sub);
}

}  // namespace

JwtVerifier::JwtVerifier(JwtConfig config) : config_(std::move(config)), key_(std::make_unique<Key>()) {
    const std::string where = config_.key_file.empty() ? std::string("JWT key") : config_.key_file;
    std::string material;
    if (!config_.key_file.empty()) {
        try {
            material = read_text_file(config_.key_file);
        } catch (const AuthFileError& e) {
            throw std::runtime_error(config_.key_file + ": " + e.reason());
        }
    } else {
        material = config_.key_data;
    }
    if (config_.leeway_s < 0) throw std::runtime_error("JWT leeway must not be negative");

    switch (config_.algorithm) {
        case JwtAlgorithm::HS256: {
            while (!material.empty() && (material.back() == '\n' || material.back() == '\r'))
                material.pop_back();
            if (material.size() < 32) {
                throw std::runtime_error(where + ": HS256 secret must be at least 32 bytes (RFC 7518 3.2)");
            }
            key_->secret.assign(material.begin(), material.end());
            OPENSSL_cleanse(material.data(), material.size());
            break;
        }
        case JwtAlgorithm::RS256: {
            key_->pkey = decode_public_key(material, where);
            if (EVP_PKEY_is_a(key_->pkey, "RSA") != 1)
                throw std::runtime_error(where + ": RS256 needs an RSA key");
            if (EVP_PKEY_get_bits(key_->pkey) < 2048) {
                throw std::runtime_error(where + ": RSA key shorter than 2048 bits");
            }
            break;
        }
        case JwtAlgorithm::ES256: {
            key_->pkey = decode_public_key(material, where);
            if (EVP_PKEY_is_a(key_->pkey, "EC") != 1)
                throw std::runtime_error(where + ": ES256 needs an EC key");
            char group[64] = {};
            std::size_t len = 0;
            if (EVP_PKEY_get_utf8_string_param(key_->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                               &len) != 1 ||
                (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256")) {
                throw std::runtime_error(where + ": ES256 needs a P-256 (prime256v1) key");
            }
            break;
        }
    }
}

JwtVerifier::~JwtVerifier() {
    if (key_ && !key_->secret.empty()) OPENSSL_cleanse(key_->secret.data(), key_->secret.size());
}
JwtVerifier::JwtVerifier(JwtVerifier&&) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&&) noexcept = default;

// verify() in four steps: split the compact form, check the header, the signature, then the claims.
// Each step returns the reason for refusing the token, or nothing.
JwtResult JwtVerifier::verify(std::string_view token, std::int64_t now) const {
    if (!key_) return fail("verifier has been moved from");
    if (token.empty()) return fail("empty token");
    if (token.size() > config_.max_token_bytes) return fail("token too long");
    const auto parts = split_token(token);
    if (!parts) return fail("malformed token (expected header.payload.signature)");
    if (auto why = check_header(parts->header, config_.algorithm)) return fail(std::move(*why));
    if (auto why = check_signature(parts->signing_input, parts->signature)) return fail(std::move(*why));

    const auto payload_bytes = base64url_decode(parts->payload);
    if (!payload_bytes || payload_bytes->empty()) return fail("payload is not valid base64url");
    std::string why;
    const auto claims = parse_object(*payload_bytes, why);
    if (!claims) return fail("payload " + why);
    JwtResult result;
    if (auto bad = check_validity(*claims, config_, now, result.exp)) return fail(std::move(*bad));
    if (auto bad = check_issuer_and_audience(*claims, config_)) return fail(std::move(*bad));
    if (auto bad = read_identity(*claims, config_, result)) return fail(std::move(*bad));
    result.ok = true;
    return result;
}

std::optional<std::string> JwtVerifier::check_signature(std::string_view signing_input,
                                                        std::string_view signature_b64) const {
    const auto sig = base64url_decode(signature_b64);
    if (!sig || sig->empty()) return "signature is not valid base64url";
    bool good = false;
    switch (config_.algorithm) {
        case JwtAlgorithm::HS256:
            good = verify_hs256(key_->secret, signing_input, *sig);
            break;
        case JwtAlgorithm::RS256:
            good = verify_digest_signature(key_->pkey, signing_input, sig->data(), sig->size());
            break;
        case JwtAlgorithm::ES256:
            good = verify_es256(key_->pkey, signing_input, *sig);
            break;
    }
    if (!good) return "bad signature";
    return std::nullopt;
}

}  // namespace tapmq::auth
