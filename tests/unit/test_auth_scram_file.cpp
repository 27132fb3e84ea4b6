// The auth_scram_file reader (RFC 5803 lines) and `tapmq passwd --scram`.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "auth/base64.hpp"
#include "auth/passwd_tool.hpp"
#include "auth/scram_file.hpp"
#include "test_auth_util.hpp"

namespace tapmq::auth {
namespace {

using test::passwd;
using test::ScratchDir;

// RFC 7677's user "user" with password "pencil", StoredKey and ServerKey computed independently
// (Python hashlib), in PostgreSQL's RFC 5803 form.
constexpr std::string_view kRfcEntry =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

std::string rfc_line() {
    return "user:" + std::string(kRfcEntry) + "\n";
}

TEST(AuthScramFile, ReadsRfc5803Entries) {
    const auto f = ScramFile::parse("# comment\n\n  " + rfc_line(), "users");
    ASSERT_EQ(f.size(), 1U);
    const auto c = f.find("user");
    ASSERT_TRUE(c.has_value());
    const auto expected =
        ScramCredentials::from_password("pencil", *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="));
    EXPECT_EQ(c->iterations, 4096U);
    EXPECT_EQ(c->salt, expected.salt);
    EXPECT_EQ(c->stored_key, expected.stored_key);
    EXPECT_EQ(c->server_key, expected.server_key);
    EXPECT_FALSE(f.find("nobody").has_value());
    EXPECT_EQ(ScramFile::encode(*c), kRfcEntry);
}

TEST(AuthScramFile, FullExchangeWithFileCredentials) {
    const auto f = ScramFile::parse(rfc_line(), "users");
    ScramServer server([&f](std::string_view u) { return f.find(u); });
    ScramClient client("user", "pencil");
    const auto server_first = server.client_first(client.client_first());
    ASSERT_TRUE(server_first.ok);
    const auto client_final = client.client_final(server_first.message);
    ASSERT_TRUE(client_final.has_value());
    const auto server_final = server.client_final(*client_final);
    ASSERT_TRUE(server_final.ok) << server_final.error;
    EXPECT_TRUE(client.verify_server_final(server_final.message));
}

TEST(AuthScramFile, HashPasswordRoundTrips) {
    const std::string entry = ScramFile::hash_password("secret", 4097);
    EXPECT_TRUE(entry.starts_with("SCRAM-SHA-256$4097:"));
    std::string why;
    const auto c = ScramFile::decode(entry, &why);
    ASSERT_TRUE(c.has_value()) << why;
    EXPECT_EQ(c->salt.size(), 16U);
    const auto again = ScramCredentials::from_password("secret", c->salt, 4097);
    EXPECT_EQ(c->stored_key, again.stored_key);
    EXPECT_NE(ScramFile::hash_password("secret"), ScramFile::hash_password("secret"));  // fresh salts
}

TEST(AuthScramFile, TypicalIterations) {
    EXPECT_EQ(ScramFile::parse("", "users").typical_iterations(), 4096U);
    const std::string text = "a:" + ScramFile::hash_password("x", 5000) +
                             "\nb:" + ScramFile::hash_password("x", 5000) +
                             "\nc:" + ScramFile::hash_password("x", 4096) + "\n";
    EXPECT_EQ(ScramFile::parse(text, "users").typical_iterations(), 5000U);
}

TEST(AuthScramFile, UnknownUsersClaimTheTypicalIterations) {
    const auto f = ScramFile::parse("a:" + ScramFile::hash_password("x", 5000) + "\n", "users");
    ScramServer server([&f](std::string_view u) { return f.find(u); }, "", f.typical_iterations());
    const auto first = server.client_first("n,,n=nobody,r=abc");
    ASSERT_TRUE(first.ok);
    EXPECT_TRUE(first.message.ends_with(",i=5000")) << first.message;
}

TEST(AuthScramFile, LastDuplicateWinsWithWarning) {
    const std::string other = "user:" + ScramFile::hash_password("other") + "\n";
    const auto f = ScramFile::parse(rfc_line() + other, "users");
    ASSERT_EQ(f.warnings().size(), 1U);
    EXPECT_EQ(f.warnings()[0].rfind("users:2:", 0), 0U) << f.warnings()[0];
    const auto expected = ScramFile::decode(other.substr(5, other.size() - 6));
    EXPECT_EQ(f.find("user")->stored_key, expected->stored_key);
}

struct BadLine {
    std::string line;
    std::string reason;
};

class AuthScramFileBad : public ::testing::TestWithParam<BadLine> {};

TEST_P(AuthScramFileBad, ErrorNamesFileAndLine) {
    const std::string text = rfc_line() + GetParam().line + "\n";
    try {
        (void)ScramFile::parse(text, "users.scram");
        FAIL() << "accepted: " << GetParam().line;
    } catch (const AuthFileError& e) {
        EXPECT_EQ(e.file(), "users.scram");
        EXPECT_EQ(e.line(), 2U);
        EXPECT_NE(e.reason().find(GetParam().reason), std::string::npos) << e.what();
        // Never quotes the keys.
        EXPECT_EQ(std::string(e.what()).find("WG5d8o"), std::string::npos);
    }
}

const std::string kKeys =
    "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

INSTANTIATE_TEST_SUITE_P(
    Lines, AuthScramFileBad,
    ::testing::Values(
        BadLine{"no colon", "no ':'"}, BadLine{":" + std::string(kRfcEntry), "empty username"},
        BadLine{"bad\x01user:" + std::string(kRfcEntry), "control"},
        BadLine{"u:$7$101$abc$def", "SCRAM-SHA-256$"}, BadLine{"u:plaintext", "SCRAM-SHA-256$"},
        BadLine{"u:SCRAM-SHA-256$", "not SCRAM-SHA-256$"},
        BadLine{"u:SCRAM-SHA-256$0:AAAA" + kKeys, "iteration"},
        BadLine{"u:SCRAM-SHA-256$x:AAAA" + kKeys, "iteration"},
        BadLine{"u:SCRAM-SHA-256$99999999999:AAAA" + kKeys, "iteration"},
        BadLine{"u:SCRAM-SHA-256$4096:" + kKeys, "salt"},
        BadLine{"u:SCRAM-SHA-256$4096:A*==" + kKeys, "salt"},
        BadLine{"u:SCRAM-SHA-256$4096:AAAA$AAAA:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", "StoredKey"},
        BadLine{"u:SCRAM-SHA-256$4096:AAAA$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:", "ServerKey"},
        BadLine{"u:SCRAM-SHA-256$4096:AAAA" + kKeys + ":extra", "ServerKey"}));

TEST(AuthScramFile, UnreadableFile) {
    ScratchDir dir;
    EXPECT_THROW((void)ScramFile::load(dir / "missing"), AuthFileError);
}

// ---- tapmq passwd --scram

bool logs_in(const ScramFile& f, const std::string& user, const std::string& password) {
    ScramServer server([&f](std::string_view u) { return f.find(u); });
    ScramClient client(user, password);
    const auto first = server.client_first(client.client_first());
    if (!first.ok) return false;
    const auto final_msg = client.client_final(first.message);
    return final_msg && server.client_final(*final_msg).ok;
}

TEST(AuthPasswdToolScram, CreateAddUpdateDelete) {
    ScratchDir dir;
    const std::string file = (dir / "users").string();
    ASSERT_EQ(passwd({"--scram", "-c", "-b", file, "alice", "a1"}).rc, 0);
    ASSERT_EQ(passwd({"--scram", "-b", file, "bob", "b1"}).rc, 0);
    ASSERT_EQ(passwd({"--scram", "-b", file, "alice", "a2"}).rc, 0);
    ASSERT_EQ(passwd({"--scram", "-I", "5000", "-b", file, "carol", "c1"}, "").rc, 0);
    auto f = ScramFile::load(file);
    EXPECT_EQ(f.usernames(), (std::vector<std::string>{"alice", "bob", "carol"}));
    EXPECT_TRUE(logs_in(f, "alice", "a2"));
    EXPECT_FALSE(logs_in(f, "alice", "a1"));
    EXPECT_TRUE(logs_in(f, "bob", "b1"));
    EXPECT_EQ(f.find("bob")->iterations, 4096U);
    EXPECT_EQ(f.find("carol")->iterations, 5000U);
    ASSERT_EQ(passwd({"--scram", "-D", file, "bob"}).rc, 0);
    f = ScramFile::load(file);
    EXPECT_FALSE(f.contains("bob"));
    EXPECT_EQ(passwd({"--scram", "-D", file, "bob"}).rc, 1);
}

TEST(AuthPasswdToolScram, PromptedPassword) {
    ScratchDir dir;
    const std::string file = (dir / "users").string();
    ASSERT_EQ(passwd({"--scram", "-c", file, "alice"}, "typed\ntyped\n").rc, 0);
    EXPECT_TRUE(logs_in(ScramFile::load(file), "alice", "typed"));
    EXPECT_EQ(passwd({"--scram", file, "alice"}, "one\ntwo\n").rc, 2);
}

TEST(AuthPasswdToolScram, UpdateConvertsPlainTextOnly) {
    ScratchDir dir;
    const auto file = dir / "users";
    test::write_file(file, "# users\nalice:pass:word\n" + rfc_line());
    ASSERT_EQ(passwd({"--scram", "-U", file.string()}).rc, 0);
    const auto f = ScramFile::load(file);
    EXPECT_TRUE(logs_in(f, "alice", "pass:word"));  // the whole field, ':' included
    EXPECT_TRUE(logs_in(f, "user", "pencil"));      // kept as it was
    EXPECT_NE(read_text_file(file).find(rfc_line()), std::string::npos);
    EXPECT_EQ(read_text_file(file).rfind("# users\n", 0), 0U);
}

TEST(AuthPasswdToolScram, StandardOutputAndErrors) {
    const auto r = passwd({"--scram", "-c", "-b", "-", "alice", "secret"});
    ASSERT_EQ(r.rc, 0);
    EXPECT_TRUE(r.out.starts_with("alice:SCRAM-SHA-256$4096:"));
    EXPECT_EQ(passwd({"--scram", "-H", "sha512", "-c", "-b", "-", "a", "b"}).rc, 1);
    EXPECT_EQ(passwd({"--scram", "-c", "-b", "-", "a:b", "c"}).rc, 1);
}

}  // namespace
}  // namespace tapmq::auth
