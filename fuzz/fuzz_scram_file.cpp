// libFuzzer target for the auth_scram_file reader (src/auth/scram_file.cpp).
//
// Input: arbitrary bytes, parsed as the text of a SCRAM file named "fuzz.scram", and each line's
// part after the first ':' decoded as one entry. AuthFileError is how input is refused; any other
// exception, a sanitizer report or a failed CHECK is a finding. Checked: errors and warnings name
// the file and a line; every accepted user has usable credentials (salt, iterations, exactly what
// the file said: encoding them again and decoding gives the same keys).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/scram_file.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::auth;

constexpr std::string_view kName = "fuzz.scram";

void check_file(std::string_view text) {
    ScramFile f;
    try {
        f = ScramFile::parse(text, kName);
    } catch (const AuthFileError& e) {
        CHECK(e.file() == kName);
        CHECK(e.line() >= 1);
        CHECK(std::string_view(e.what()).starts_with(std::string(kName) + ":"));
        return;
    }
    for (const auto& w : f.warnings())
        CHECK(std::string_view(w).starts_with(std::string(kName) + ":"));
    for (const auto& user : f.usernames()) {
        const auto c = f.find(user);
        CHECK(c.has_value());
        CHECK(!c->salt.empty() && c->salt.size() <= ScramFile::kMaxSalt);
        CHECK(c->iterations >= 1);
        const auto again = ScramFile::decode(ScramFile::encode(*c));
        CHECK(again.has_value());
        CHECK(again->salt == c->salt && again->iterations == c->iterations);
        CHECK(again->stored_key == c->stored_key && again->server_key == c->server_key);
    }
}

void check_entry(std::string_view entry) {
    std::string why;
    const auto c = ScramFile::decode(entry, &why);
    CHECK(c.has_value() == why.empty());
    if (c) CHECK(ScramFile::encode(*c).size() <= entry.size() + 8);  // padding may be added
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_file(text);
    check_entry(text);
    return 0;
}
