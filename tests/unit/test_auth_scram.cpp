// SCRAM-SHA-256: RFC 7677's test vector, a full exchange with the client side, and one test per
// error a server must answer.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "auth/base64.hpp"
#include "auth/scram.hpp"

namespace tapmq::auth {
namespace {

// RFC 7677 section 3.
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
    "Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
constexpr std::string_view kNonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

ScramCredentials rfc_credentials() {
    const auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    return ScramCredentials::from_password("pencil", *salt, 4096);
}

ScramLookup lookup_of(std::map<std::string, ScramCredentials> users) {
    return [users = std::move(users)](std::string_view name) -> std::optional<ScramCredentials> {
        const auto it = users.find(std::string(name));
        if (it == users.end()) return std::nullopt;
        return it->second;
    };
}

ScramServer rfc_server() {
    return ScramServer(lookup_of({{"user", rfc_credentials()}}), std::string(kServerNonce));
}

// Runs client-first of the RFC exchange, then `final` as the client-final message.
ScramServer::Step rfc_final(std::string_view final_message) {
    auto s = rfc_server();
    const auto first = s.client_first(kClientFirst);
    EXPECT_TRUE(first.ok) << first.error;
    return s.client_final(final_message);
}

void expect_error(const ScramServer::Step& step, std::string_view code) {
    EXPECT_FALSE(step.ok);
    EXPECT_EQ(step.message, "e=" + std::string(code)) << step.error;
    EXPECT_FALSE(step.error.empty());
}

TEST(AuthScram, Rfc7677TestVector) {
    auto s = rfc_server();
    EXPECT_EQ(s.state(), ScramServer::State::ExpectClientFirst);
    const auto first = s.client_first(kClientFirst);
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_EQ(first.message, kServerFirst);
    EXPECT_EQ(s.username(), "user");
    EXPECT_EQ(s.state(), ScramServer::State::ExpectClientFinal);
    const auto final_step = s.client_final(kClientFinal);
    ASSERT_TRUE(final_step.ok) << final_step.error;
    EXPECT_EQ(final_step.message, kServerFinal);
    EXPECT_TRUE(s.authenticated());
}

TEST(AuthScram, ClientSideReproducesTheTestVector) {
    ScramClient c("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(c.client_first(), kClientFirst);
    const auto final_message = c.client_final(kServerFirst);
    ASSERT_TRUE(final_message.has_value()) << c.error();
    EXPECT_EQ(*final_message, kClientFinal);
    EXPECT_TRUE(c.verify_server_final(kServerFinal));
    EXPECT_FALSE(c.verify_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}

TEST(AuthScram, FullExchangeWithRandomNonces) {
    auto creds = ScramCredentials::from_password("s3cret", 4096);
    EXPECT_EQ(creds.salt.size(), 16U);
    ScramServer s(lookup_of({{"al,ice=x", creds}}));
    ScramClient c("al,ice=x", "s3cret");
    const std::string first = c.client_first();
    EXPECT_NE(first.find("n=al=2Cice=3Dx,"), std::string::npos) << first;
    const auto sf = s.client_first(first);
    ASSERT_TRUE(sf.ok) << sf.error;
    EXPECT_EQ(s.username(), "al,ice=x");
    const auto cf = c.client_final(sf.message);
    ASSERT_TRUE(cf.has_value()) << c.error();
    const auto fin = s.client_final(*cf);
    ASSERT_TRUE(fin.ok) << fin.error;
    EXPECT_TRUE(c.verify_server_final(fin.message));
}

TEST(AuthScram, ChannelBindingFlagYIsAccepted) {
    auto s = rfc_server();
    ASSERT_TRUE(s.client_first("y,,n=user,r=abc").ok);
    // The client must echo "y,," in c=; its proof is then simply wrong here.
    const auto step = s.client_final("c=" + base64_encode(std::string_view("y,,")) + ",r=abc" +
                                     std::string(kServerNonce) + ",p=" + base64_encode(std::string(32, 'x')));
    expect_error(step, "invalid-proof");
}

// ---- failures ----

TEST(AuthScramError, WrongPassword) {
    auto creds = ScramCredentials::from_password("right", 4096);
    ScramServer s(lookup_of({{"u", creds}}));
    ScramClient c("u", "wrong");
    const auto sf = s.client_first(c.client_first());
    ASSERT_TRUE(sf.ok);
    const auto cf = c.client_final(sf.message);
    ASSERT_TRUE(cf.has_value());
    expect_error(s.client_final(*cf), "invalid-proof");
    EXPECT_FALSE(s.authenticated());
    EXPECT_EQ(s.state(), ScramServer::State::Failed);
}

TEST(AuthScramError, UnknownUserLooksLikeAWrongPassword) {
    ScramServer s1(lookup_of({}));
    ScramServer s2(lookup_of({}));
    ScramClient c("ghost", "pw", "nonce1");
    const auto a = s1.client_first(c.client_first());
    const auto b = s2.client_first("n,,n=ghost,r=nonce1");
    ASSERT_TRUE(a.ok);
    ASSERT_TRUE(b.ok);
    // Same made-up salt and iterations every time for the same name.
    EXPECT_EQ(a.message.substr(a.message.find(",s=")), b.message.substr(b.message.find(",s=")));
    const auto cf = c.client_final(a.message);
    ASSERT_TRUE(cf.has_value());
    expect_error(s1.client_final(*cf), "invalid-proof");
}

TEST(AuthScramError, ChannelBindingRequired) {
    auto s = rfc_server();
    expect_error(s.client_first("p=tls-unique,,n=user,r=abc"), "channel-binding-not-supported");
}

TEST(AuthScramError, BadGs2Flag) {
    auto s = rfc_server();
    expect_error(s.client_first("x,,n=user,r=abc"), "invalid-encoding");
}

TEST(AuthScramError, NoGs2Header) {
    auto s = rfc_server();
    expect_error(s.client_first("n=user,r=abc"), "invalid-encoding");
}

TEST(AuthScramError, MandatoryExtension) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,m=ext,n=user,r=abc"), "extensions-not-supported");
}

TEST(AuthScramError, BadUsernameEncoding) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,n=us=2Xer,r=abc"), "invalid-username-encoding");
}

TEST(AuthScramError, EmptyUsername) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,n=,r=abc"), "invalid-username-encoding");
}

TEST(AuthScramError, MissingNonce) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,n=user"), "invalid-encoding");
}

TEST(AuthScramError, BadNonceCharacters) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,n=user,r=a b"), "invalid-encoding");
}

TEST(AuthScramError, OtherAuthorisationIdentity) {
    auto s = rfc_server();
    expect_error(s.client_first("n,a=admin,n=user,r=abc"), "other-error");
}

TEST(AuthScramError, OversizedMessage) {
    auto s = rfc_server();
    expect_error(s.client_first("n,,n=user,r=" + std::string(5000, 'a')), "invalid-encoding");
}

TEST(AuthScramError, ChannelBindingMismatch) {
    std::string m(kClientFinal);
    m.replace(0, 6, "c=eSws");  // "y,," instead of "n,,"
    expect_error(rfc_final(m), "channel-bindings-dont-match");
}

TEST(AuthScramError, NonceMismatch) {
    std::string m(kClientFinal);
    m.replace(m.find("rOpr"), 4, "XOpr");
    expect_error(rfc_final(m), "other-error");
}

TEST(AuthScramError, MissingProof) {
    expect_error(rfc_final("c=biws,r=" + std::string(kNonce)), "invalid-encoding");
}

TEST(AuthScramError, ShortProof) {
    expect_error(rfc_final("c=biws,r=" + std::string(kNonce) + ",p=AAAA"), "invalid-encoding");
}

TEST(AuthScramError, TamperedProof) {
    std::string m(kClientFinal);
    m.replace(m.find("p=dHzb") + 2, 4, "eHzb");
    expect_error(rfc_final(m), "invalid-proof");
}

TEST(AuthScramError, ClientFinalBeforeClientFirst) {
    auto s = rfc_server();
    expect_error(s.client_final(kClientFinal), "other-error");
}

TEST(AuthScramError, ClientFirstTwice) {
    auto s = rfc_server();
    ASSERT_TRUE(s.client_first(kClientFirst).ok);
    expect_error(s.client_first(kClientFirst), "other-error");
}

TEST(AuthScramError, NothingAfterFailure) {
    auto s = rfc_server();
    expect_error(s.client_first("bogus"), "invalid-encoding");
    expect_error(s.client_final(kClientFinal), "other-error");
}

TEST(AuthScramError, ClientRefusesForeignServerNonce) {
    ScramClient c("user", "pencil", "mynonce");
    (void)c.client_first();
    EXPECT_FALSE(c.client_final("r=othernonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096").has_value());
    EXPECT_FALSE(
        c.client_final("r=mynonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1").has_value());  // too few iterations
}

TEST(AuthScramError, CredentialsNeedSaltAndIterations) {
    EXPECT_THROW((void)ScramCredentials::from_password("pw", std::span<const std::uint8_t>{}, 4096),
                 std::invalid_argument);
    const std::uint8_t salt[] = {1, 2, 3};
    EXPECT_THROW((void)ScramCredentials::from_password("pw", salt, 0), std::invalid_argument);
}

}  // namespace
}  // namespace tapmq::auth
