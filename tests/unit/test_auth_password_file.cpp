// Mosquitto password files: files written by the real mosquitto_passwd verify, hashes written here
// have mosquitto_passwd's shape, and every malformed line is refused with its file and line.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cctype>
#include <string>
#include <vector>

#include "auth/base64.hpp"
#include "auth/password_file.hpp"
#include "test_auth_util.hpp"

namespace tapmq::auth {
namespace {

using test::ScratchDir;
using Algorithm = PasswordFile::Algorithm;

// A well-formed $7$ line from the fixture (alice / "alice-secret").
constexpr std::string_view kAliceHash =
    "$7$101$f58zEeWyD1pj+QKE$BwJN6qHKb1ymeiMZwI7zGIGsBCvOLNzHKxVqrOlDSFQy5n7G7tNBGHAKL+"
    "H5Ee6LgaibWDdx4gci4i7YyKfI2w==";

// `s` is `n` characters of the base64 alphabet followed by `pad` '=' (std::regex is avoided: GCC 12
// warns inside it at -O2).
bool b64_run(std::string_view s, std::size_t n, std::size_t pad = 0) {
    if (s.size() != n + pad) return false;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
    }
    return s.substr(n) == std::string(pad, '=');
}

// Splits "$a$b$c" into {"", "a", "b", "c"}.
std::vector<std::string_view> dollar_fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t p; (p = s.find('$', start)) != std::string_view::npos; start = p + 1) {
        out.push_back(s.substr(start, p - start));
    }
    out.push_back(s.substr(start));
    return out;
}

// Expects parse() to throw naming `name:line`, never quoting the hash.
void expect_parse_error(std::string_view text, std::size_t line, std::string_view reason_part) {
    try {
        (void)PasswordFile::parse(text, "pw.txt");
        ADD_FAILURE() << "no error for:\n" << text;
    } catch (const AuthFileError& e) {
        EXPECT_EQ(e.file(), "pw.txt");
        EXPECT_EQ(e.line(), line);
        EXPECT_NE(std::string(e.what()).find("pw.txt:" + std::to_string(line) + ": "), std::string::npos)
            << e.what();
        EXPECT_NE(e.reason().find(reason_part), std::string::npos) << e.what();
        // Never echo the hash field (or a piece of it).
        EXPECT_EQ(std::string(e.what()).find("f58zEeWyD1pj"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("BwJN6qHK"), std::string::npos) << e.what();
    }
}

// ---- files written by mosquitto_passwd ----

TEST(AuthPasswordFile, FixtureFromMosquittoPasswd2011Verifies) {
    const auto pw = PasswordFile::load(test::fixture("mosquitto-2.0.11.passwd"));
    EXPECT_EQ(pw.size(), 5U);
    EXPECT_TRUE(pw.warnings().empty());
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
    EXPECT_TRUE(pw.verify("bob", "bob pass with spaces"));
    EXPECT_TRUE(pw.verify("carol", "pässwörd✓"));
    EXPECT_TRUE(pw.verify("dave", "a:b:c"));
    EXPECT_TRUE(pw.verify("erin the admin", "x"));
    EXPECT_EQ(pw.algorithm_of("alice"), Algorithm::Sha512Pbkdf2);
    EXPECT_EQ(pw.algorithm_of("bob"), Algorithm::Sha512);
    EXPECT_EQ(pw.algorithm_of("nobody"), std::nullopt);
}

TEST(AuthPasswordFile, FixtureRefusesWrongPasswords) {
    const auto pw = PasswordFile::load(test::fixture("mosquitto-2.0.11.passwd"));
    EXPECT_FALSE(pw.verify("alice", "alice-secreT"));
    EXPECT_FALSE(pw.verify("alice", ""));
    EXPECT_FALSE(pw.verify("bob", "bob pass with spaces "));
    EXPECT_FALSE(pw.verify("Alice", "alice-secret"));  // usernames are case-sensitive
    EXPECT_FALSE(pw.verify("mallory", "alice-secret"));
    EXPECT_FALSE(pw.verify("", ""));
}

TEST(AuthPasswordFile, RealMosquittoPasswdAtTestTime) {
    ASSERT_TRUE(test::have_mosquitto_passwd())
        << "mosquitto_passwd is not installed (scripts/install-deps.sh --test installs mosquitto)";
    ScratchDir dir;
    const auto file = dir / "pw";
    using test::sh_quote;
    ASSERT_EQ(test::run_mosquitto_passwd("-c -b " + sh_quote(file.string()) + " u1 'first pw'"), 0);
    ASSERT_EQ(test::run_mosquitto_passwd("-H sha512 -b " + sh_quote(file.string()) + " u2 second"), 0);
    ASSERT_EQ(test::run_mosquitto_passwd("-b " + sh_quote(file.string()) + " u3 " + sh_quote("it's:$weird")),
              0);
    const auto pw = PasswordFile::load(file);
    EXPECT_EQ(pw.size(), 3U);
    EXPECT_TRUE(pw.verify("u1", "first pw"));
    EXPECT_TRUE(pw.verify("u2", "second"));
    EXPECT_TRUE(pw.verify("u3", "it's:$weird"));
    EXPECT_FALSE(pw.verify("u1", "second"));
    EXPECT_EQ(pw.algorithm_of("u2"), Algorithm::Sha512);
}

TEST(AuthPasswordFile, Argon2idLines) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    const auto pw = PasswordFile::load(test::fixture("argon2id.passwd"));
    EXPECT_EQ(pw.size(), 2U);
    EXPECT_EQ(pw.algorithm_of("phc"), Algorithm::Argon2id);
    EXPECT_TRUE(pw.verify("phc", "password"));  // libargon2's reference vector
    EXPECT_FALSE(pw.verify("phc", "passwore"));
    EXPECT_TRUE(pw.verify("m21", "mosquitto-2.1"));
    EXPECT_FALSE(pw.verify("m21", "mosquitto-2.0"));
}

// ---- hashes written here ----

TEST(AuthPasswordFile, HashPbkdf2HasMosquittoPasswdShape) {
    const std::string h = PasswordFile::hash_password("s3cret");
    // 12-byte salt -> 16 base64 chars; 64-byte hash -> 86 chars + "==".
    const auto f = dollar_fields(h);
    ASSERT_EQ(f.size(), 5U) << h;
    EXPECT_EQ(f[1], "7");
    EXPECT_EQ(f[2], "101");
    EXPECT_TRUE(b64_run(f[3], 16)) << h;
    EXPECT_TRUE(b64_run(f[4], 86, 2)) << h;
    EXPECT_EQ(PasswordFile::verify_encoded(h, "s3cret"), true);
    EXPECT_EQ(PasswordFile::verify_encoded(h, "s3creT"), false);
}

TEST(AuthPasswordFile, HashSha512HasMosquittoPasswdShape) {
    const std::string h = PasswordFile::hash_password("s3cret", Algorithm::Sha512);
    const auto f = dollar_fields(h);
    ASSERT_EQ(f.size(), 4U) << h;
    EXPECT_EQ(f[1], "6");
    EXPECT_TRUE(b64_run(f[2], 16)) << h;
    EXPECT_TRUE(b64_run(f[3], 86, 2)) << h;
    EXPECT_EQ(PasswordFile::verify_encoded(h, "s3cret"), true);
}

TEST(AuthPasswordFile, HashIterationsAreWritten) {
    const std::string h = PasswordFile::hash_password("pw", Algorithm::Sha512Pbkdf2, 1000);
    EXPECT_TRUE(h.starts_with("$7$1000$")) << h;
    EXPECT_EQ(PasswordFile::verify_encoded(h, "pw"), true);
    EXPECT_THROW((void)PasswordFile::hash_password("pw", Algorithm::Sha512Pbkdf2, 0), std::invalid_argument);
}

TEST(AuthPasswordFile, HashArgon2idUsesMosquitto21Parameters) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    const std::string h = PasswordFile::hash_password("pw", Algorithm::Argon2id);
    const auto f = dollar_fields(h);
    ASSERT_EQ(f.size(), 6U) << h;
    EXPECT_EQ(f[1], "argon2id");
    EXPECT_EQ(f[2], "v=19");
    EXPECT_EQ(f[3], "m=47104,t=1,p=1");
    EXPECT_TRUE(b64_run(f[4], 86)) << h;  // 64-byte salt, unpadded
    EXPECT_TRUE(b64_run(f[5], 86)) << h;  // 64-byte hash
    EXPECT_EQ(PasswordFile::verify_encoded(h, "pw"), true);
    EXPECT_EQ(PasswordFile::verify_encoded(h, "pW"), false);
}

TEST(AuthPasswordFile, SaltsAreFresh) {
    EXPECT_NE(PasswordFile::hash_password("same"), PasswordFile::hash_password("same"));
}

TEST(AuthPasswordFile, HashedLinesRoundTripThroughParse) {
    const std::string text = "a:" + PasswordFile::hash_password("pa") + "\n" +
                             "b:" + PasswordFile::hash_password("pb", Algorithm::Sha512) + "\n";
    const auto pw = PasswordFile::parse(text, "mem");
    EXPECT_TRUE(pw.verify("a", "pa"));
    EXPECT_TRUE(pw.verify("b", "pb"));
    EXPECT_FALSE(pw.verify("a", "pb"));
}

TEST(AuthPasswordFile, Accepts64ByteSaltsAsMosquitto21Writes) {
    // $6$ with a 64-byte salt, computed independently: sha512(password || salt).
    std::vector<std::uint8_t> salt(64);
    for (std::size_t i = 0; i < salt.size(); ++i)
        salt[i] = static_cast<std::uint8_t>(i * 7);
    const std::string password = "long-salt";
    std::vector<std::uint8_t> input(password.begin(), password.end());
    input.insert(input.end(), salt.begin(), salt.end());
    unsigned char md[64];
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(input.data(), input.size(), md, &len, EVP_sha512(), nullptr), 1);
    const std::string line =
        "u:$6$" + base64_encode(salt) + "$" + base64_encode(std::span<const std::uint8_t>(md, len));
    const auto pw = PasswordFile::parse(line, "mem");
    EXPECT_TRUE(pw.verify("u", "long-salt"));
}

// ---- layout ----

TEST(AuthPasswordFile, CommentsBlankLinesCrlfAndBlanksAroundFields) {
    const std::string text =
        "# a comment\n\n   \n  # indented comment\r\n  alice  :  " + std::string(kAliceHash) + "  \r\n";
    const auto pw = PasswordFile::parse(text, "mem");
    EXPECT_EQ(pw.size(), 1U);
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
}

TEST(AuthPasswordFile, LastLineWithoutNewline) {
    const auto pw = PasswordFile::parse("alice:" + std::string(kAliceHash), "mem");
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
}

TEST(AuthPasswordFile, TextAfterASecondColonIsIgnoredLikeMosquitto) {
    const auto pw = PasswordFile::parse("alice:" + std::string(kAliceHash) + ":whatever\n", "mem");
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
}

TEST(AuthPasswordFile, EmptyFileHasNoUsers) {
    const auto pw = PasswordFile::parse("", "mem");
    EXPECT_TRUE(pw.empty());
    EXPECT_FALSE(pw.verify("alice", "alice-secret"));
}

TEST(AuthPasswordFile, DuplicateUserLastLineWinsWithWarning) {
    const std::string first = PasswordFile::hash_password("first");
    const std::string second = PasswordFile::hash_password("second");
    const auto pw = PasswordFile::parse("u:" + first + "\nu:" + second + "\n", "pw.txt");
    EXPECT_FALSE(pw.verify("u", "first"));
    EXPECT_TRUE(pw.verify("u", "second"));
    ASSERT_EQ(pw.warnings().size(), 1U);
    EXPECT_NE(pw.warnings()[0].find("pw.txt:2:"), std::string::npos) << pw.warnings()[0];
    EXPECT_NE(pw.warnings()[0].find("line 1"), std::string::npos) << pw.warnings()[0];
}

TEST(AuthPasswordFile, UsernamesAreListedSorted) {
    const std::string h = PasswordFile::hash_password("x");
    const auto pw = PasswordFile::parse("zed:" + h + "\nann:" + h + "\n", "mem");
    EXPECT_EQ(pw.usernames(), (std::vector<std::string>{"ann", "zed"}));
    EXPECT_TRUE(pw.contains("zed"));
    EXPECT_FALSE(pw.contains("ze"));
}

// ---- one test per malformed line ----

TEST(AuthPasswordFileError, LineWithoutColon) {
    expect_parse_error("# ok\nalice\n", 2, "username:hash");
}

TEST(AuthPasswordFileError, EmptyUsername) {
    expect_parse_error(":" + std::string(kAliceHash) + "\n", 1, "empty username");
}

TEST(AuthPasswordFileError, EmptyHash) {
    expect_parse_error("alice:\n", 1, "no password hash");
}

TEST(AuthPasswordFileError, PlainTextPassword) {
    expect_parse_error("\nalice:secret\n", 2, "not hashed");
}

TEST(AuthPasswordFileError, UnknownScheme) {
    expect_parse_error("alice:$5$f58zEeWyD1pj+QKE$BwJN6qHK\n", 1, "unknown password hash type");
}

TEST(AuthPasswordFileError, Sha512MissingPart) {
    expect_parse_error("alice:$6$f58zEeWyD1pj+QKE\n", 1, "malformed $6$");
}

TEST(AuthPasswordFileError, Pbkdf2MissingIterations) {
    expect_parse_error("alice:$7$f58zEeWyD1pj+QKE$BwJN6qHK\n", 1, "malformed $7$");
}

TEST(AuthPasswordFileError, Pbkdf2ZeroIterations) {
    std::string line = "alice:" + std::string(kAliceHash);
    line.replace(line.find("$101$"), 5, "$0$");
    expect_parse_error(line, 1, "iteration");
}

TEST(AuthPasswordFileError, Pbkdf2NonNumericIterations) {
    std::string line = "alice:" + std::string(kAliceHash);
    line.replace(line.find("$101$"), 5, "$10x$");
    expect_parse_error(line, 1, "iteration");
}

TEST(AuthPasswordFileError, SaltNotBase64) {
    std::string line = "alice:" + std::string(kAliceHash);
    line.replace(line.find("f58z"), 4, "f5!z");
    expect_parse_error(line, 1, "salt is not valid base64");
}

TEST(AuthPasswordFileError, SaltWrongLength) {
    std::string line = "alice:" + std::string(kAliceHash);
    line.replace(line.find("f58zEeWyD1pj+QKE"), 16, "f58zEeWyD1pj");  // 9 bytes
    expect_parse_error(line, 1, "salt is 9 bytes");
}

TEST(AuthPasswordFileError, HashNotBase64) {
    std::string line = "alice:" + std::string(kAliceHash);
    line.replace(line.find("BwJN"), 4, "Bw.N");
    expect_parse_error(line, 1, "hash is not valid base64");
}

TEST(AuthPasswordFileError, HashWrongLength) {
    const std::string line =
        "alice:$7$101$f58zEeWyD1pj+QKE$" + base64_encode(std::vector<std::uint8_t>(62, 0x11));
    expect_parse_error(line, 1, "hash is 62 bytes");
}

TEST(AuthPasswordFileError, ExtraDollarField) {
    expect_parse_error("alice:" + std::string(kAliceHash) + "$AAAA\n", 1, "malformed $7$");
}

TEST(AuthPasswordFileError, MalformedArgon2id) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    expect_parse_error(
        "u:$argon2id$v=19$m=65536,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n", 1,
        "argon2id parameters");
    expect_parse_error(
        "u:$argon2id$v=19$m=65536,t=2,p=1$c29t!XNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n", 1,
        "argon2id salt");
    expect_parse_error(
        "u:$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n", 1,
        "argon2id parameters");
    expect_parse_error("u:$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ\n", 1, "malformed argon2id");
}

TEST(AuthPasswordFileError, UnreadableFile) {
    try {
        (void)PasswordFile::load("/nonexistent/dir/pw");
        ADD_FAILURE() << "no error";
    } catch (const AuthFileError& e) {
        EXPECT_EQ(e.line(), 0U);
        EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/pw:0: cannot open"), std::string::npos)
            << e.what();
    }
}

TEST(AuthPasswordFileError, LenientModeSkipsLikeMosquitto) {
    const std::string text = "alice:" + std::string(kAliceHash) + "\nplain:text\nnocolon\nbob:$9$x\n";
    const auto pw = PasswordFile::parse(text, "pw.txt", PasswordFile::Options{.strict = false});
    EXPECT_EQ(pw.size(), 1U);
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
    EXPECT_FALSE(pw.contains("plain"));
    ASSERT_EQ(pw.warnings().size(), 3U);
    EXPECT_NE(pw.warnings()[0].find("pw.txt:2:"), std::string::npos);
    EXPECT_NE(pw.warnings()[2].find("pw.txt:4:"), std::string::npos);
}

// ---- helpers ----

TEST(AuthPasswordFile, IsHashed) {
    EXPECT_TRUE(PasswordFile::is_hashed(kAliceHash));
    EXPECT_FALSE(PasswordFile::is_hashed("plaintext"));
    EXPECT_FALSE(PasswordFile::is_hashed("$7$101$short$short"));
    EXPECT_EQ(PasswordFile::verify_encoded("plaintext", "plaintext"), std::nullopt);
}

TEST(AuthPasswordFile, UsernameRulesOfMosquittoPasswd) {
    std::string why;
    EXPECT_TRUE(valid_password_file_username("erin the admin"));
    EXPECT_FALSE(valid_password_file_username("a:b", &why));
    EXPECT_EQ(why, "Username must not contain the ':' character.");
    EXPECT_FALSE(valid_password_file_username("a\tb", &why));
    EXPECT_EQ(why, "Username must not contain control characters.");
    EXPECT_FALSE(valid_password_file_username(std::string(65536, 'a'), &why));
    EXPECT_FALSE(valid_password_file_username("", &why));
}

// ---- editing ----

TEST(AuthPasswordFileEditor, KeepsUntouchedLinesByteForByte) {
    const std::string text = "# header\n\nalice:" + std::string(kAliceHash) + "\nbob:plain\n";
    auto ed = PasswordFileEditor::parse(text, "mem");
    EXPECT_EQ(ed.text(), text);
    EXPECT_TRUE(ed.contains("bob"));
    EXPECT_FALSE(ed.set("carol", "$6$x$y"));
    EXPECT_EQ(ed.text(), text + "carol:$6$x$y\n");
}

TEST(AuthPasswordFileEditor, SetReplacesAndDropsLaterDuplicates) {
    auto ed = PasswordFileEditor::parse("u:one\nv:two\nu:three\n", "mem");
    EXPECT_TRUE(ed.set("u", "new"));
    EXPECT_EQ(ed.text(), "u:new\nv:two\n");
}

TEST(AuthPasswordFileEditor, AppendsAfterALastLineWithoutNewline) {
    auto ed = PasswordFileEditor::parse("u:one", "mem");
    EXPECT_EQ(ed.text(), "u:one");
    ed.set("v", "two");
    EXPECT_EQ(ed.text(), "u:one\nv:two\n");
}

TEST(AuthPasswordFileEditor, RemoveEveryLineOfTheUser) {
    auto ed = PasswordFileEditor::parse("u:one\n# c\nv:two\nu:three\n", "mem");
    EXPECT_TRUE(ed.remove("u"));
    EXPECT_EQ(ed.text(), "# c\nv:two\n");
    EXPECT_FALSE(ed.remove("u"));
}

TEST(AuthPasswordFileEditor, CorruptLineIsRefusedWithMosquittoPasswdWording) {
    try {
        (void)PasswordFileEditor::parse("u:one\nbroken\n", "pw");
        ADD_FAILURE() << "no error";
    } catch (const AuthFileError& e) {
        EXPECT_EQ(e.line(), 2U);
        EXPECT_EQ(e.reason(), "Corrupt password file at line 2.");
    }
    EXPECT_THROW((void)PasswordFileEditor::parse("u:\n", "pw"), AuthFileError);
}

TEST(AuthPasswordFileEditor, HashPlaintextSkipsHashedLines) {
    auto ed = PasswordFileEditor::parse("a:pa\nalice:" + std::string(kAliceHash) + "\nb: pb \n", "mem");
    EXPECT_EQ(ed.hash_plaintext(), 2U);
    const auto pw = PasswordFile::parse(ed.text(), "mem");
    EXPECT_TRUE(pw.verify("a", "pa"));
    EXPECT_TRUE(pw.verify("b", "pb"));  // blanks around the field are not part of it (as Mosquitto trims)
    EXPECT_TRUE(pw.verify("alice", "alice-secret"));
    EXPECT_NE(ed.text().find(std::string(kAliceHash)), std::string::npos);
}

TEST(AuthPasswordFileWrite, NewFileIsPrivate) {
    ScratchDir dir;
    write_text_file_atomically(dir / "pw", "u:x\n");
    EXPECT_EQ(test::slurp(dir / "pw"), "u:x\n");
    EXPECT_EQ(test::file_mode(dir / "pw"), 0600U);
}

TEST(AuthPasswordFileWrite, ExistingFileKeepsItsMode) {
    ScratchDir dir;
    test::write_file(dir / "pw", "old\n");
    std::filesystem::permissions(dir / "pw", std::filesystem::perms(0640));
    write_text_file_atomically(dir / "pw", "new\n");
    EXPECT_EQ(test::slurp(dir / "pw"), "new\n");
    EXPECT_EQ(test::file_mode(dir / "pw"), 0640U);
    // No temporary file left behind.
    EXPECT_EQ(
        std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator{}),
        1);
}

TEST(AuthPasswordFileWrite, SymbolicLinkIsFollowed) {
    ScratchDir dir;
    test::write_file(dir / "real", "old\n");
    std::filesystem::create_symlink(dir / "real", dir / "link");
    write_text_file_atomically(dir / "link", "new\n");
    EXPECT_TRUE(std::filesystem::is_symlink(dir / "link"));
    EXPECT_EQ(test::slurp(dir / "real"), "new\n");
}

}  // namespace
}  // namespace tapmq::auth
