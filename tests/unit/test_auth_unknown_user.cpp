// An unknown user costs what a known one does: PasswordFile::verify runs the same hash check, with
// the same type and parameters, whether the user is in the file or not (timing tells nothing).
// Measured by what runs, not by the clock.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "auth/password_file.hpp"

namespace tapmq::auth {
namespace {

using Algorithm = PasswordFile::Algorithm;
using Entry = PasswordFile::Entry;

// The parts of an entry that decide how long a check takes.
struct Cost {
    Algorithm algorithm;
    int iterations;
    std::size_t salt_bytes;
    std::string argon2_parameters;  // "$argon2id$v=19$m=..,t=..,p=.." (empty for the others)
    bool operator==(const Cost&) const = default;
};

Cost cost_of(const Entry& e) {
    std::string params;
    if (e.algorithm == Algorithm::Argon2id) {
        // $argon2id$v=19$m=47104,t=1,p=1$salt$hash: everything before the salt.
        std::size_t dollar = 0;
        for (int i = 0; i < 3; ++i)
            dollar = e.encoded.find('$', dollar + 1);
        params = e.encoded.substr(0, dollar);
    }
    return {e.algorithm, e.iterations, e.salt.size(), params};
}

// Every check verify() runs, by cost.
std::vector<Cost> checks_for(const PasswordFile& pw, std::string_view user, std::string_view password) {
    std::vector<Cost> ran;
    const bool ok = pw.verify(user, password, [&](const Entry& e, std::string_view p) {
        ran.push_back(cost_of(e));
        return PasswordFile::check_entry(e, p);
    });
    EXPECT_FALSE(ok) << user;
    return ran;
}

void expect_same_cost(const std::string& text) {
    const auto pw = PasswordFile::parse(text, "test");
    const auto known = checks_for(pw, "known", "wrong password");
    const auto unknown = checks_for(pw, "nobody", "wrong password");
    ASSERT_EQ(known.size(), 1u);
    EXPECT_EQ(unknown, known);
}

TEST(AuthUnknownUser, Pbkdf2FileWithItsIterations) {
    const std::string line = "known:" + PasswordFile::hash_password("pw", Algorithm::Sha512Pbkdf2, 1000);
    expect_same_cost(line + "\n");
}

TEST(AuthUnknownUser, Sha512File) {
    expect_same_cost("known:" + PasswordFile::hash_password("pw", Algorithm::Sha512) + "\n");
}

TEST(AuthUnknownUser, Argon2idFile) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    expect_same_cost("known:" + PasswordFile::hash_password("pw", Algorithm::Argon2id) + "\n");
}

TEST(AuthUnknownUser, MixedFileUsesItsMostCommonType) {
    ASSERT_TRUE(PasswordFile::argon2_supported())
        << "built without libargon2 (apt-get install libargon2-dev, then configure again)";
    const std::string text = "known:" + PasswordFile::hash_password("pw", Algorithm::Argon2id) + "\n" +
                             "b:" + PasswordFile::hash_password("pw", Algorithm::Argon2id) + "\n" +
                             "old:" + PasswordFile::hash_password("pw", Algorithm::Sha512Pbkdf2) + "\n";
    expect_same_cost(text);
}

TEST(AuthUnknownUser, TheDummyNeverLetsAnyoneIn) {
    const std::string text = "known:" + PasswordFile::hash_password("pw", Algorithm::Sha512Pbkdf2) + "\n";
    const auto pw = PasswordFile::parse(text, "test");
    EXPECT_TRUE(pw.verify("known", "pw"));
    EXPECT_FALSE(pw.verify("nobody", "pw"));
    EXPECT_FALSE(pw.verify("nobody", ""));
}

}  // namespace
}  // namespace tapmq::auth
