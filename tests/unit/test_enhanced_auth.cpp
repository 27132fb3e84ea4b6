// The broker's enhanced authentication interface: ScramAuthenticator's exchanges driven by the
// SCRAM client, and SecurityPolicy offering it only with an auth_scram_file.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "auth/scram.hpp"
#include "auth/scram_file.hpp"
#include "broker/enhanced_auth.hpp"
#include "broker/security.hpp"

namespace tapmq::broker {
namespace {

using Kind = AuthStep::Kind;

std::shared_ptr<const auth::ScramFile> users() {
    return std::make_shared<auth::ScramFile>(
        auth::ScramFile::parse("tap1:" + auth::ScramFile::hash_password("secret") + "\n", "users"));
}

TEST(EnhancedAuthScram, SuccessGivesTheUserAndTheServerSignature) {
    ScramAuthenticator a(users());
    EXPECT_EQ(a.method(), "SCRAM-SHA-256");
    auto x = a.begin();
    auth::ScramClient client("tap1", "secret");
    const AuthStep first = x->start(client.client_first());
    ASSERT_EQ(first.kind, Kind::Continue) << first.reason;
    EXPECT_EQ(x->claimed_user(), "tap1");
    const auto final_msg = client.client_final(first.data);
    ASSERT_TRUE(final_msg.has_value());
    const AuthStep done = x->step(*final_msg);
    ASSERT_EQ(done.kind, Kind::Success) << done.reason;
    EXPECT_EQ(done.username, "tap1");
    EXPECT_TRUE(client.verify_server_final(done.data));
    EXPECT_EQ(x->step(*final_msg).kind, Kind::Failure);  // nothing after the end
}

TEST(EnhancedAuthScram, WrongPasswordAndUnknownUserFailAtTheProof) {
    ScramAuthenticator a(users());
    for (const auto& [user, password] : {std::pair{"tap1", "Wr0ng!"}, std::pair{"nobody", "secret"}}) {
        auto x = a.begin();
        auth::ScramClient client(user, password);
        const AuthStep first = x->start(client.client_first());
        ASSERT_EQ(first.kind, Kind::Continue) << user;  // an unknown user is not told so here
        const AuthStep done = x->step(*client.client_final(first.data));
        EXPECT_EQ(done.kind, Kind::Failure) << user;
        EXPECT_EQ(done.code, mqtt::ReasonCode::NotAuthorized);
        EXPECT_TRUE(done.data.empty());
        EXPECT_EQ(done.reason.find(password), std::string::npos);
    }
}

TEST(EnhancedAuthScram, GarbageFails) {
    ScramAuthenticator a(users());
    for (std::string_view bad : {"", "n,,", "n,,n=,r=x", "n,,n=a\x01,r=x", "n,,n=\xff,r=x", "x,,n=a,r=b"}) {
        auto x = a.begin();
        const AuthStep r = x->start(bad);
        EXPECT_EQ(r.kind, Kind::Failure) << bad;
        EXPECT_EQ(r.code, mqtt::ReasonCode::NotAuthorized);
        EXPECT_EQ(x->step("c=biws,r=x,p=AAAA").kind, Kind::Failure);
    }
    auto x = a.begin();
    EXPECT_EQ(x->step("c=biws,r=x,p=AAAA").kind, Kind::Failure);  // step before start
}

TEST(EnhancedAuthPolicy, OfferedOnlyWithAScramFile) {
    SecurityConfig c;
    EXPECT_EQ(SecurityPolicy::load(c)->find_authenticator("SCRAM-SHA-256"), nullptr);

    const auto dir = std::filesystem::temp_directory_path() / ("tapmq-ea-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "scram";
    std::ofstream(file) << "tap1:" << auth::ScramFile::hash_password("secret") << "\n";
    c.auth_scram_file = file.string();
    const auto p = SecurityPolicy::load(c);
    ASSERT_NE(p->find_authenticator("SCRAM-SHA-256"), nullptr);
    EXPECT_EQ(p->find_authenticator("scram-sha-256"), nullptr);  // method names are exact
    EXPECT_EQ(p->find_authenticator("PLAIN"), nullptr);

    std::ofstream(file) << "tap1:" << auth::ScramFile::hash_password("secret") << "\ntap2:plain\n";
    try {
        (void)SecurityPolicy::load(c);
        ADD_FAILURE() << "a bad line was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string() + ":2:"), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tapmq::broker
