// `tapmq passwd` (run_passwd): mosquitto_passwd's interface, its messages and exit codes, and files
// that the real mosquitto_passwd can go on editing.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "auth/passwd_tool.hpp"
#include "auth/password_file.hpp"
#include "test_auth_util.hpp"

namespace tapmq::auth {
namespace {

using test::passwd;
using test::ScratchDir;

TEST(AuthPasswdTool, NoArgumentsPrintsUsage) {
    const auto r = passwd({});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos);
}

TEST(AuthPasswdTool, WrongArgumentCountPrintsUsage) {
    ScratchDir dir;
    const auto r = passwd({(dir / "pw").string()});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos);
}

TEST(AuthPasswdTool, CreateBatch) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    const auto r = passwd({"-c", "-b", file, "alice", "secret"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(test::file_mode(file), 0600U);
    const std::string text = test::slurp(file);
    EXPECT_TRUE(text.starts_with("alice:$7$101$")) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
    EXPECT_TRUE(PasswordFile::load(file).verify("alice", "secret"));
}

TEST(AuthPasswdTool, CreateOverwrites) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-c", "-b", file, "alice", "a"}).rc, 0);
    ASSERT_EQ(passwd({"-c", "-b", file, "bob", "b"}).rc, 0);
    const auto pw = PasswordFile::load(file);
    EXPECT_FALSE(pw.contains("alice"));
    EXPECT_TRUE(pw.verify("bob", "b"));
}

TEST(AuthPasswdTool, CreateToStandardOutput) {
    const auto r = passwd({"-c", "-b", "-", "alice", "secret"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("alice:$7$")) << r.out;
    EXPECT_TRUE(PasswordFile::parse(r.out, "stdout").verify("alice", "secret"));
}

TEST(AuthPasswdTool, AddAndUpdateUsers) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-c", "-b", file, "alice", "a1"}).rc, 0);
    ASSERT_EQ(passwd({"-b", file, "bob", "b1"}).rc, 0);
    ASSERT_EQ(passwd({"-b", file, "alice", "a2"}).rc, 0);
    const auto pw = PasswordFile::load(file);
    EXPECT_EQ(pw.size(), 2U);
    EXPECT_TRUE(pw.verify("alice", "a2"));
    EXPECT_FALSE(pw.verify("alice", "a1"));
    EXPECT_TRUE(pw.verify("bob", "b1"));
}

TEST(AuthPasswdTool, HashOptions) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-H", "sha512", "-c", "-b", file, "u", "p"}).rc, 0);
    EXPECT_TRUE(test::slurp(file).starts_with("u:$6$"));
    ASSERT_EQ(passwd({"-I", "1000", "-b", file, "v", "p"}).rc, 0);
    EXPECT_NE(test::slurp(file).find("v:$7$1000$"), std::string::npos);
    const auto pw = PasswordFile::load(file);
    EXPECT_TRUE(pw.verify("u", "p"));
    EXPECT_TRUE(pw.verify("v", "p"));
}

TEST(AuthPasswdTool, Argon2idOption) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-H", "argon2id", "-c", "-b", file, "u", "p"}).rc, 0);
    EXPECT_TRUE(test::slurp(file).starts_with("u:$argon2id$v=19$m=47104,t=1,p=1$"));
    EXPECT_TRUE(PasswordFile::load(file).verify("u", "p"));
}

TEST(AuthPasswdTool, UnknownHashType) {
    const auto r = passwd({"-H", "md5", "-c", "-b", "-", "u", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Unknown hash type 'md5'\n");
}

TEST(AuthPasswdTool, BadIterations) {
    const auto r = passwd({"-I", "0", "-c", "-b", "-", "u", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Number of iterations must be > 0.\n");
}

TEST(AuthPasswdTool, Delete) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-c", "-b", file, "alice", "a"}).rc, 0);
    ASSERT_EQ(passwd({"-b", file, "bob", "b"}).rc, 0);
    ASSERT_EQ(passwd({"-D", file, "alice"}).rc, 0);
    const auto pw = PasswordFile::load(file);
    EXPECT_FALSE(pw.contains("alice"));
    EXPECT_TRUE(pw.verify("bob", "b"));
}

TEST(AuthPasswdTool, DeleteUnknownUser) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-c", "-b", file, "alice", "a"}).rc, 0);
    const std::string before = test::slurp(file);
    const auto r = passwd({"-D", file, "nobody"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Warning: User nobody not found in password file.\n");
    EXPECT_EQ(test::slurp(file), before);
}

TEST(AuthPasswdTool, UpdatePlainTextFile) {
    ScratchDir dir;
    const auto file = dir / "pw";
    test::write_file(file, "u1:pass1\nu2:pass2\n");
    ASSERT_EQ(passwd({"-U", file.string()}).rc, 0);
    const auto pw = PasswordFile::load(file);
    EXPECT_TRUE(pw.verify("u1", "pass1"));
    EXPECT_TRUE(pw.verify("u2", "pass2"));
    // A second -U changes nothing (mosquitto_passwd 2.0 would hash the hashes).
    const std::string once = test::slurp(file);
    ASSERT_EQ(passwd({"-U", file.string()}).rc, 0);
    EXPECT_EQ(test::slurp(file), once);
}

TEST(AuthPasswdTool, UpdateNeedsExactlyTheFile) {
    const auto r = passwd({"-U", "a", "b"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: -U argument given but password file missing.\n");
}

TEST(AuthPasswdTool, InteractiveCreate) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    const auto r = passwd({"-c", file, "alice"}, "typed pw\ntyped pw\n");
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, "Password: \nReenter password: \n");
    EXPECT_TRUE(PasswordFile::load(file).verify("alice", "typed pw"));
}

TEST(AuthPasswdTool, InteractiveUpdateWithCrlf) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    ASSERT_EQ(passwd({"-c", "-b", file, "alice", "old"}).rc, 0);
    ASSERT_EQ(passwd({file, "alice"}, "new\r\nnew\r\n").rc, 0);
    EXPECT_TRUE(PasswordFile::load(file).verify("alice", "new"));
}

TEST(AuthPasswdTool, InteractiveMismatch) {
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    const auto r = passwd({"-c", file, "alice"}, "one\ntwo\n");
    EXPECT_EQ(r.rc, 2);  // as mosquitto_passwd 2.0.11
    EXPECT_EQ(r.err, "Error: Passwords do not match.\n");
    EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(AuthPasswdTool, InteractiveEmptyPassword) {
    ScratchDir dir;
    const auto r = passwd({"-c", (dir / "pw").string(), "alice"}, "\n\n");
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Empty password.\n");
}

TEST(AuthPasswdTool, InteractiveEndOfInput) {
    ScratchDir dir;
    const auto r = passwd({"-c", (dir / "pw").string(), "alice"}, "");
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Empty password.\n");
}

TEST(AuthPasswdTool, ConflictingOptions) {
    EXPECT_EQ(passwd({"-c", "-D", "f", "u"}).err, "Error: -c and -D cannot be used together.\n");
    EXPECT_EQ(passwd({"-c", "-U", "f"}).err, "Error: -c and -U cannot be used together.\n");
    EXPECT_EQ(passwd({"-D", "-U", "f"}).err, "Error: -D and -U cannot be used together.\n");
    EXPECT_EQ(passwd({"-b", "-D", "f", "u"}).err, "Error: -b and -D cannot be used together.\n");
    EXPECT_EQ(passwd({"-b", "-D", "f", "u"}).rc, 1);
}

TEST(AuthPasswdTool, MissingArguments) {
    EXPECT_EQ(passwd({"-c", "-b", "f", "u"}).err,
              "Error: -c argument given but password file, username, or password missing.\n");
    EXPECT_EQ(passwd({"-c", "f"}).err, "Error: -c argument given but password file or username missing.\n");
    EXPECT_EQ(passwd({"-D", "f"}).err, "Error: -D argument given but password file or username missing.\n");
    // Option errors come from the command-line parser every tapmq subcommand uses.
    const auto r = passwd({"-H"});
    EXPECT_EQ(r.rc, 2);
    EXPECT_EQ(r.err, "-H: 1 required HASH missing\n");
}

TEST(AuthPasswdTool, OptionsEndAtTheFirstOperand) {
    // As with mosquitto_passwd, a password given with -b may begin with '-'.
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    const auto r = passwd({"-c", "-b", file, "alice", "-D"});
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(PasswordFile::load(file).verify("alice", "-D"));
}

TEST(AuthPasswdTool, UsernameWithColon) {
    const auto r = passwd({"-c", "-b", "-", "a:b", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Username must not contain the ':' character.\n");
}

TEST(AuthPasswdTool, UsernameWithControlCharacter) {
    const auto r = passwd({"-c", "-b", "-", "a\nb", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Username must not contain control characters.\n");
}

TEST(AuthPasswdTool, PasswordTooLong) {
    const auto r = passwd({"-c", "-b", "-", "u", std::string(65536, 'x')});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Password must be less than 65536 characters long.\n");
}

TEST(AuthPasswdTool, UpdateOfMissingFile) {
    ScratchDir dir;
    const auto file = (dir / "missing").string();
    const auto r = passwd({"-b", file, "u", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Unable to open password file " + file + ". No such file or directory.\n");
}

TEST(AuthPasswdTool, CorruptFileIsLeftAlone) {
    ScratchDir dir;
    const auto file = dir / "pw";
    test::write_file(file, "u:x\nbroken line\n");
    const auto r = passwd({"-b", file.string(), "v", "p"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Error: Corrupt password file at line 2.\n");
    EXPECT_EQ(test::slurp(file), "u:x\nbroken line\n");
}

TEST(AuthPasswdTool, KeepsCommentsAndMode) {
    ScratchDir dir;
    const auto file = dir / "pw";
    test::write_file(file, "# users of site A\nalice:" + PasswordFile::hash_password("a") + "\n");
    std::filesystem::permissions(file, std::filesystem::perms(0640));
    ASSERT_EQ(passwd({"-b", file.string(), "bob", "b"}).rc, 0);
    const std::string text = test::slurp(file);
    EXPECT_TRUE(text.starts_with("# users of site A\nalice:$7$")) << text;
    EXPECT_EQ(test::file_mode(file), 0640U);
}

// Files written here are files mosquitto_passwd can keep editing, and the other way round.
TEST(AuthPasswdTool, InteroperatesWithRealMosquittoPasswd) {
    ASSERT_TRUE(test::have_mosquitto_passwd())
        << "mosquitto_passwd is not installed (scripts/install-deps.sh --test installs mosquitto)";
    ScratchDir dir;
    const auto file = (dir / "pw").string();
    using test::sh_quote;
    ASSERT_EQ(passwd({"-c", "-b", file, "ours", "ours-pw"}).rc, 0);
    ASSERT_EQ(passwd({"-H", "sha512", "-b", file, "ours6", "ours6-pw"}).rc, 0);
    ASSERT_EQ(test::run_mosquitto_passwd("-b " + sh_quote(file) + " theirs theirs-pw"), 0);
    ASSERT_EQ(passwd({"-b", file, "ours2", "ours2-pw"}).rc, 0);
    ASSERT_EQ(test::run_mosquitto_passwd("-D " + sh_quote(file) + " ours2"), 0);
    const auto pw = PasswordFile::load(file);
    EXPECT_EQ(pw.usernames(), (std::vector<std::string>{"ours", "ours6", "theirs"}));
    EXPECT_TRUE(pw.verify("ours", "ours-pw"));
    EXPECT_TRUE(pw.verify("ours6", "ours6-pw"));
    EXPECT_TRUE(pw.verify("theirs", "theirs-pw"));
}

}  // namespace
}  // namespace tapmq::auth
