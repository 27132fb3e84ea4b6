// libFuzzer target for the Mosquitto password-file reader (src/auth/password_file.cpp).
//
// Input: arbitrary bytes, parsed as the text of a password file named "fuzz.passwd", strictly and
// leniently, and as the line-preserving editor of `tapmq passwd`. AuthFileError is how input is
// refused; any other exception, a sanitizer report or a failed CHECK is a finding. Checked:
// strict and lenient agree on accepted input; errors and warnings name the file and never quote a
// hash; the editor gives back its input byte for byte, and its edits read back as expected.
// Hashes are only verified for $6$ entries: $7$ iteration counts and argon2id memory costs come
// from the input and could make one execution arbitrarily slow.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/password_file.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::auth;

constexpr std::string_view kName = "fuzz.passwd";

// A valid $6$ field (salt "AAAAAAAAAAAAAAAA", hash of nothing in particular) for edits.
const std::string kField = "$6$AAAAAAAAAAAAAAAA$" + std::string(86, 'A') + "==";

void check_strict_and_lenient(std::string_view text) {
    PasswordFile strict;
    bool strict_ok = false;
    try {
        strict = PasswordFile::parse(text, kName);
        strict_ok = true;
    } catch (const AuthFileError& e) {
        CHECK(e.file() == kName);
        CHECK(e.line() >= 1);
        CHECK(std::string_view(e.what()).starts_with(std::string(kName) + ":"));
    }
    // Lenient never throws for text (only for unreadable files).
    const PasswordFile lenient = PasswordFile::parse(text, kName, PasswordFile::Options{.strict = false});
    for (const auto& w : lenient.warnings())
        CHECK(std::string_view(w).starts_with(std::string(kName) + ":"));
    if (strict_ok) {
        CHECK(strict.usernames() == lenient.usernames());
        CHECK(strict.warnings() == lenient.warnings());
        for (const auto& user : strict.usernames()) {
            CHECK(!user.empty());
            CHECK(strict.contains(user));
            if (strict.algorithm_of(user) == PasswordFile::Algorithm::Sha512) {
                (void)strict.verify(user, "fuzz");
            }
        }
    }
    CHECK(!lenient.verify("\x01no such user\x02", "x") || lenient.contains("\x01no such user\x02"));
}

void check_editor(std::string_view text) {
    PasswordFileEditor ed;
    try {
        ed = PasswordFileEditor::parse(text, kName);
    } catch (const AuthFileError& e) {
        CHECK(e.file() == kName);
        CHECK(e.line() >= 1);
        return;
    }
    CHECK(ed.text() == text);
    const std::string user = "fuzz-user";
    ed.set(user, kField);
    CHECK(ed.contains(user));
    const std::string edited = ed.text();
    const auto again = PasswordFileEditor::parse(edited, kName);  // must not throw
    CHECK(again.text() == edited);
    CHECK(ed.remove(user));
    CHECK(!ed.contains(user));
    CHECK(!ed.remove(user));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_strict_and_lenient(text);
    check_editor(text);
    return 0;
}
