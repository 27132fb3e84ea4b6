// JWT verification: tokens signed here with OpenSSL (HS256, RS256, ES256) against keys generated at
// test time; one test per way a token must be refused.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "auth/base64.hpp"
#include "auth/jwt.hpp"
#include "test_auth_util.hpp"

namespace tapmq::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-hs256-test-secret";

struct PkeyDeleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey make_rsa(unsigned bits) {
    Pkey k(EVP_RSA_gen(bits));
    if (!k) throw std::runtime_error("EVP_RSA_gen");
    return k;
}

Pkey make_ec(const char* curve) {
    Pkey k(EVP_EC_gen(curve));
    if (!k) throw std::runtime_error("EVP_EC_gen");
    return k;
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return s;
}

std::string public_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    return bio_string(bio);
}

// "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1), as `openssl rsa -RSAPublicKey_out` writes it.
std::string pkcs1_public_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    OSSL_ENCODER_CTX* ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
    if (ctx == nullptr || OSSL_ENCODER_to_bio(ctx, bio) != 1) throw std::runtime_error("OSSL_ENCODER");
    OSSL_ENCODER_CTX_free(ctx);
    return bio_string(bio);
}

std::string self_signed_cert_pem(EVP_PKEY* key) {
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("jwt"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    X509_free(cert);
    return bio_string(bio);
}

std::string sign_input(const std::string& header_json, const std::string& payload_json) {
    return base64url_encode(header_json) + "." + base64url_encode(payload_json);
}

std::vector<std::uint8_t> hmac(const std::string& key, const std::string& data) {
    unsigned char out[32];
    std::size_t len = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof(out), &len);
    return {out, out + len};
}

std::vector<std::uint8_t> digest_sign(EVP_PKEY* key, const std::string& data) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::vector<std::uint8_t> sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
}

// DER ECDSA signature -> the 64-byte R||S of JWS.
std::vector<std::uint8_t> der_to_jose(const std::vector<std::uint8_t>& der) {
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::vector<std::uint8_t> out(64);
    BN_bn2binpad(r, out.data(), 32);
    BN_bn2binpad(s, out.data() + 32, 32);
    ECDSA_SIG_free(sig);
    return out;
}

std::string hs256(const std::string& payload, const std::string& header = R"({"alg":"HS256","typ":"JWT"})",
                  const std::string& key = kSecret) {
    const std::string input = sign_input(header, payload);
    return input + "." + base64url_encode(hmac(key, input));
}

std::string rs256(EVP_PKEY* key, const std::string& payload,
                  const std::string& header = R"({"alg":"RS256"})") {
    const std::string input = sign_input(header, payload);
    return input + "." + base64url_encode(digest_sign(key, input));
}

std::string es256(EVP_PKEY* key, const std::string& payload,
                  const std::string& header = R"({"alg":"ES256"})") {
    const std::string input = sign_input(header, payload);
    return input + "." + base64url_encode(der_to_jose(digest_sign(key, input)));
}

std::string claims(const std::string& extra = "") {
    return R"({"sub":"alice","exp":)" + std::to_string(kNow + 600) + extra + "}";
}

// Keys are costly to make: once per test program.
struct Keys {
    Pkey rsa = make_rsa(2048);
    Pkey rsa_other = make_rsa(2048);
    Pkey ec = make_ec("P-256");
    Pkey ec_other = make_ec("P-256");
};
const Keys& keys() {
    static const Keys k;
    return k;
}

JwtVerifier hs_verifier(JwtConfig c = {}) {
    c.algorithm = JwtAlgorithm::HS256;
    c.key_data = kSecret;
    return JwtVerifier(std::move(c));
}

JwtVerifier rs_verifier(JwtConfig c = {}) {
    c.algorithm = JwtAlgorithm::RS256;
    c.key_data = public_pem(keys().rsa.get());
    return JwtVerifier(std::move(c));
}

JwtVerifier es_verifier(JwtConfig c = {}) {
    c.algorithm = JwtAlgorithm::ES256;
    c.key_data = public_pem(keys().ec.get());
    return JwtVerifier(std::move(c));
}

void expect_refused(const JwtResult& r, std::string_view why) {
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find(why), std::string::npos) << "error: " << r.error;
    EXPECT_TRUE(r.username.empty());
}

// ---- accepted ----

TEST(AuthJwt, ValidHs256) {
    const auto r = hs_verifier().verify(hs256(claims()), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.username, "alice");
    EXPECT_EQ(r.exp, kNow + 600);
    EXPECT_FALSE(r.has_pub);
    EXPECT_FALSE(r.has_sub);
}

TEST(AuthJwt, ValidRs256) {
    const auto r = rs_verifier().verify(rs256(keys().rsa.get(), claims()), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.username, "alice");
}

TEST(AuthJwt, ValidEs256) {
    const auto r = es_verifier().verify(es256(keys().ec.get(), claims()), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.username, "alice");
}

TEST(AuthJwt, KeysFromFiles) {
    test::ScratchDir dir;
    test::write_file(dir / "secret", kSecret + "\n");  // `echo secret > file`
    test::write_file(dir / "rsa.pem", public_pem(keys().rsa.get()));
    test::write_file(dir / "rsa1.pem", pkcs1_public_pem(keys().rsa.get()));
    test::write_file(dir / "ec.crt", self_signed_cert_pem(keys().ec.get()));

    JwtConfig hc;
    hc.algorithm = JwtAlgorithm::HS256;
    hc.key_file = (dir / "secret").string();
    EXPECT_TRUE(JwtVerifier(hc).verify(hs256(claims()), kNow).ok);

    for (const char* f : {"rsa.pem", "rsa1.pem"}) {
        JwtConfig rc;
        rc.algorithm = JwtAlgorithm::RS256;
        rc.key_file = (dir / f).string();
        EXPECT_TRUE(JwtVerifier(rc).verify(rs256(keys().rsa.get(), claims()), kNow).ok) << f;
    }

    JwtConfig ec;
    ec.algorithm = JwtAlgorithm::ES256;
    ec.key_file = (dir / "ec.crt").string();
    EXPECT_TRUE(JwtVerifier(ec).verify(es256(keys().ec.get(), claims()), kNow).ok);
}

TEST(AuthJwt, LeewayAroundExpAndNbf) {
    JwtConfig c;
    c.leeway_s = 30;
    const auto v = hs_verifier(c);
    const std::string p =
        R"({"sub":"a","exp":)" + std::to_string(kNow) + R"(,"nbf":)" + std::to_string(kNow + 20) + "}";
    EXPECT_TRUE(v.verify(hs256(p), kNow + 29).ok);  // 29 s after exp: still inside the leeway
    EXPECT_TRUE(v.verify(hs256(p), kNow).ok);       // 20 s before nbf: inside the leeway
    EXPECT_FALSE(v.verify(hs256(p), kNow + 30).ok);
}

TEST(AuthJwt, FractionalNumericDates) {
    const auto r =
        hs_verifier().verify(hs256(R"({"sub":"a","exp":)" + std::to_string(kNow + 10) + ".75}"), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.exp, kNow + 10);
}

TEST(AuthJwt, ExpOptionalWhenConfigured) {
    JwtConfig c;
    c.require_exp = false;
    const auto r = hs_verifier(c).verify(hs256(R"({"sub":"a"})"), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.exp, std::nullopt);
}

TEST(AuthJwt, AudienceAndIssuer) {
    JwtConfig c;
    c.audience = "mqtt";
    c.issuer = "https://idp.example";
    const auto v = hs_verifier(c);
    EXPECT_TRUE(v.verify(hs256(claims(R"(,"aud":"mqtt","iss":"https://idp.example")")), kNow).ok);
    EXPECT_TRUE(v.verify(hs256(claims(R"(,"aud":["web","mqtt"],"iss":"https://idp.example")")), kNow).ok);
}

TEST(AuthJwt, CustomUsernameClaim) {
    JwtConfig c;
    c.username_claim = "preferred_username";
    const auto r = hs_verifier(c).verify(hs256(claims(R"(,"preferred_username":"bob")")), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.username, "bob");
}

TEST(AuthJwt, TopicClaims) {
    const auto r = hs_verifier().verify(hs256(claims(R"(,"pub":["a/#","b/+/c"],"subs":"x/#")")), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.has_pub);
    EXPECT_TRUE(r.has_sub);
    EXPECT_EQ(r.pub, (std::vector<std::string>{"a/#", "b/+/c"}));
    EXPECT_EQ(r.sub, (std::vector<std::string>{"x/#"}));
}

TEST(AuthJwt, TopicClaimNamesAreConfigurable) {
    JwtConfig c;
    c.publish_claim = "mqtt_pub";
    c.subscribe_claim = "mqtt_sub";
    const auto r = hs_verifier(c).verify(hs256(claims(R"(,"mqtt_pub":[],"mqtt_sub":["s/#"],"pub":7)")), kNow);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.has_pub);
    EXPECT_TRUE(r.pub.empty());
    EXPECT_EQ(r.sub, (std::vector<std::string>{"s/#"}));
}

// ---- refused ----

TEST(AuthJwtRefused, Expired) {
    expect_refused(hs_verifier().verify(hs256(claims()), kNow + 700), "expired");
}

TEST(AuthJwtRefused, NotYetValid) {
    const std::string p = claims(R"(,"nbf":)" + std::to_string(kNow + 100));
    expect_refused(hs_verifier().verify(hs256(p), kNow), "not yet valid");
}

TEST(AuthJwtRefused, MissingExp) {
    expect_refused(hs_verifier().verify(hs256(R"({"sub":"a"})"), kNow), "no exp");
}

TEST(AuthJwtRefused, ExpNotANumber) {
    expect_refused(hs_verifier().verify(hs256(R"({"sub":"a","exp":"tomorrow"})"), kNow), "exp is not");
}

TEST(AuthJwtRefused, TamperedPayload) {
    std::string t = hs256(claims());
    const auto dot1 = t.find('.');
    const auto dot2 = t.find('.', dot1 + 1);
    t.replace(dot1 + 1, dot2 - dot1 - 1, base64url_encode(R"({"sub":"root","exp":9999999999})"));
    expect_refused(hs_verifier().verify(t, kNow), "bad signature");
}

TEST(AuthJwtRefused, WrongHmacSecret) {
    expect_refused(hs_verifier().verify(hs256(claims(), R"({"alg":"HS256"})", kSecret + "x"), kNow),
                   "bad signature");
}

TEST(AuthJwtRefused, WrongRsaKey) {
    expect_refused(rs_verifier().verify(rs256(keys().rsa_other.get(), claims()), kNow), "bad signature");
}

TEST(AuthJwtRefused, WrongEcKey) {
    expect_refused(es_verifier().verify(es256(keys().ec_other.get(), claims()), kNow), "bad signature");
}

TEST(AuthJwtRefused, EcdsaDerSignatureInsteadOfRawRS) {
    const std::string input = sign_input(R"({"alg":"ES256"})", claims());
    const std::string t = input + "." + base64url_encode(digest_sign(keys().ec.get(), input));
    expect_refused(es_verifier().verify(t, kNow), "bad signature");
}

TEST(AuthJwtRefused, WrongAlg) {
    // An RS256 verifier given an ES256 token.
    expect_refused(rs_verifier().verify(es256(keys().ec.get(), claims()), kNow), "does not match");
}

TEST(AuthJwtRefused, HmacWithThePublicKeyAsSecret) {
    // The classic key-confusion attack: HS256 signed with the RSA public key's PEM text.
    const std::string pem = public_pem(keys().rsa.get());
    expect_refused(rs_verifier().verify(hs256(claims(), R"({"alg":"HS256"})", pem), kNow), "does not match");
}

TEST(AuthJwtRefused, AlgNone) {
    const std::string t = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims()) + ".";
    expect_refused(hs_verifier().verify(t, kNow), "alg none");
    const std::string t2 = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims()) + ".AAAA";
    expect_refused(hs_verifier().verify(t2, kNow), "alg none");
}

TEST(AuthJwtRefused, AlgCaseMatters) {
    expect_refused(hs_verifier().verify(hs256(claims(), R"({"alg":"hs256"})"), kNow), "does not match");
}

TEST(AuthJwtRefused, MissingAlg) {
    expect_refused(hs_verifier().verify(hs256(claims(), R"({"typ":"JWT"})"), kNow), "no alg");
}

TEST(AuthJwtRefused, CritHeader) {
    expect_refused(
        hs_verifier().verify(hs256(claims(), R"({"alg":"HS256","crit":["b64"],"b64":false})"), kNow), "crit");
}

TEST(AuthJwtRefused, BadBase64InHeader) {
    std::string t = hs256(claims());
    t.insert(2, "*");
    expect_refused(hs_verifier().verify(t, kNow), "header is not valid base64url");
}

TEST(AuthJwtRefused, BadBase64InSignature) {
    std::string t = hs256(claims()) + "=";  // padding is not base64url
    expect_refused(hs_verifier().verify(t, kNow), "signature is not valid base64url");
}

TEST(AuthJwtRefused, BadBase64InPayload) {
    std::string t = hs256(claims());
    const auto dot1 = t.find('.');
    t.insert(dot1 + 1, "+");  // standard alphabet: not base64url, and the signature no longer holds either
    expect_refused(hs_verifier().verify(t, kNow), "bad signature");
    // A correctly signed token whose payload is not base64url at all.
    const std::string input = base64url_encode(std::string(R"({"alg":"HS256"})")) + ".%%%";
    const std::string t2 = input + "." + base64url_encode(hmac(kSecret, input));
    expect_refused(hs_verifier().verify(t2, kNow), "payload is not valid base64url");
}

TEST(AuthJwtRefused, PayloadNotJson) {
    const std::string input =
        base64url_encode(std::string(R"({"alg":"HS256"})")) + "." + base64url_encode("not json");
    expect_refused(hs_verifier().verify(input + "." + base64url_encode(hmac(kSecret, input)), kNow),
                   "payload is not valid JSON");
}

TEST(AuthJwtRefused, PayloadNotAnObject) {
    expect_refused(hs_verifier().verify(hs256("[1,2]"), kNow), "payload is not a JSON object");
}

TEST(AuthJwtRefused, DuplicateClaim) {
    const std::string p = R"({"sub":"alice","exp":)" + std::to_string(kNow + 600) + R"(,"sub":"root"})";
    expect_refused(hs_verifier().verify(hs256(p), kNow), "duplicate");
}

TEST(AuthJwtRefused, WrongNumberOfParts) {
    expect_refused(hs_verifier().verify("a.b", kNow), "malformed");
    expect_refused(hs_verifier().verify(hs256(claims()) + ".x", kNow), "malformed");
    expect_refused(hs_verifier().verify("", kNow), "empty");
}

TEST(AuthJwtRefused, TooLong) {
    JwtConfig c;
    c.max_token_bytes = 64;
    expect_refused(hs_verifier(c).verify(hs256(claims()), kNow), "too long");
}

TEST(AuthJwtRefused, WrongAudience) {
    JwtConfig c;
    c.audience = "mqtt";
    expect_refused(hs_verifier(c).verify(hs256(claims(R"(,"aud":"web")")), kNow), "audience");
    expect_refused(hs_verifier(c).verify(hs256(claims(R"(,"aud":["web"])")), kNow), "audience");
    expect_refused(hs_verifier(c).verify(hs256(claims()), kNow), "audience");
}

TEST(AuthJwtRefused, WrongIssuer) {
    JwtConfig c;
    c.issuer = "https://idp.example";
    expect_refused(hs_verifier(c).verify(hs256(claims(R"(,"iss":"https://evil.example")")), kNow), "issuer");
    expect_refused(hs_verifier(c).verify(hs256(claims()), kNow), "issuer");
}

TEST(AuthJwtRefused, MissingUsername) {
    expect_refused(hs_verifier().verify(hs256(R"({"exp":)" + std::to_string(kNow + 10) + "}"), kNow),
                   "'sub'");
    expect_refused(hs_verifier().verify(hs256(R"({"sub":"","exp":)" + std::to_string(kNow + 10) + "}"), kNow),
                   "'sub'");
    expect_refused(hs_verifier().verify(hs256(R"({"sub":42,"exp":)" + std::to_string(kNow + 10) + "}"), kNow),
                   "'sub'");
}

TEST(AuthJwtRefused, BadTopicClaim) {
    expect_refused(hs_verifier().verify(hs256(claims(R"(,"pub":["a/#/b"])")), kNow), "'pub'");
    expect_refused(hs_verifier().verify(hs256(claims(R"(,"subs":[1])")), kNow), "'subs'");
    expect_refused(hs_verifier().verify(hs256(claims(R"(,"pub":{"a":1})")), kNow), "'pub'");
}

// ---- configuration errors ----

TEST(AuthJwtConfig, ShortSecret) {
    JwtConfig c;
    c.key_data = "short";
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
}

TEST(AuthJwtConfig, MissingKeyFile) {
    JwtConfig c;
    c.algorithm = JwtAlgorithm::RS256;
    c.key_file = "/nonexistent/key.pem";
    try {
        JwtVerifier v(c);
        ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/key.pem"), std::string::npos) << e.what();
    }
}

TEST(AuthJwtConfig, NotAKey) {
    JwtConfig c;
    c.algorithm = JwtAlgorithm::RS256;
    c.key_data = "hello";
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
}

TEST(AuthJwtConfig, ShortRsaKey) {
    const Pkey small = make_rsa(1024);
    JwtConfig c;
    c.algorithm = JwtAlgorithm::RS256;
    c.key_data = public_pem(small.get());
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
}

TEST(AuthJwtConfig, KeyTypeMustFitTheAlgorithm) {
    JwtConfig c;
    c.algorithm = JwtAlgorithm::ES256;
    c.key_data = public_pem(keys().rsa.get());
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
    c.algorithm = JwtAlgorithm::RS256;
    c.key_data = public_pem(keys().ec.get());
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
}

TEST(AuthJwtConfig, Es256NeedsP256) {
    const Pkey p384 = make_ec("P-384");
    JwtConfig c;
    c.algorithm = JwtAlgorithm::ES256;
    c.key_data = public_pem(p384.get());
    EXPECT_THROW(JwtVerifier{c}, std::runtime_error);
}

TEST(AuthJwtConfig, AlgorithmNames) {
    EXPECT_EQ(jwt_algorithm_from_string("RS256"), JwtAlgorithm::RS256);
    EXPECT_EQ(jwt_algorithm_from_string("none"), std::nullopt);
    EXPECT_EQ(to_string(JwtAlgorithm::ES256), "ES256");
}

}  // namespace
}  // namespace tapmq::auth
