// libFuzzer target for the psk_file reader (src/auth/psk_file.cpp).
//
// Input: arbitrary bytes, parsed as the text of a PSK file named "fuzz.psk". AuthFileError is how
// input is refused; any other exception, a sanitizer report or a failed CHECK is a finding.
// Checked: errors and warnings name the file and a line; an accepted file has at most one key per
// line, and the key of each identity it lists is 1 to kMaxKeyBytes bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/psk_file.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::auth;

constexpr std::string_view kName = "fuzz.psk";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    PskFile f;
    try {
        f = PskFile::parse(text, kName);
    } catch (const AuthFileError& e) {
        CHECK(e.file() == kName);
        CHECK(e.line() >= 1);
        CHECK(std::string_view(e.what()).starts_with(std::string(kName) + ":"));
        return 0;
    }
    std::size_t lines = 1;
    for (char c : text)
        lines += c == '\n' ? 1 : 0;
    CHECK(f.size() <= lines);
    for (const auto& w : f.warnings())
        CHECK(std::string_view(w).starts_with(std::string(kName) + ":"));
    // Every identity of the file, as the reader splits a line: up to the first ':'.
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view id = line.substr(0, colon);
        while (!id.empty() && (id.front() == ' ' || id.front() == '\t'))
            id.remove_prefix(1);
        while (!id.empty() && (id.back() == ' ' || id.back() == '\t'))
            id.remove_suffix(1);
        if (id.empty() || id.front() == '#') continue;
        if (const auto key = f.key(id)) CHECK(!key->empty() && key->size() <= PskFile::kMaxKeyBytes);
    }
    return 0;
}
