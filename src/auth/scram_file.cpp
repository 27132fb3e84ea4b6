#include "auth/scram_file.hpp"

#include "auth/text.hpp"

#include <algorithm>
#include <map>

#include "auth/base64.hpp"

namespace tapmq::auth {
namespace {

using text::trim;

std::optional<std::uint32_t> parse_iterations(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v < 1 || v > 0x7FFFFFFF) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

bool decode_key(std::string_view b64, std::array<std::uint8_t, 32>& out) {
    const auto bytes = base64_decode(b64);
    if (!bytes || bytes->size() != out.size()) return false;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return true;
}

}  // namespace

std::optional<ScramCredentials> ScramFile::decode(std::string_view entry, std::string* why) {
    auto bad = [why](const char* reason) -> std::optional<ScramCredentials> {
        if (why != nullptr) *why = reason;
        return std::nullopt;
    };
    if (!entry.starts_with(kPrefix)) return bad("entry does not start with SCRAM-SHA-256$");
    entry.remove_prefix(kPrefix.size());
    // <iterations>:<salt>$<StoredKey>:<ServerKey>
    const std::size_t colon1 = entry.find(':');
    const std::size_t dollar = entry.find('$', colon1 == std::string_view::npos ? entry.size() : colon1);
    const std::size_t colon2 = entry.find(':', dollar == std::string_view::npos ? entry.size() : dollar);
    if (colon1 == std::string_view::npos || dollar == std::string_view::npos ||
        colon2 == std::string_view::npos) {
        return bad("entry is not SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
    }
    ScramCredentials c;
    const auto iterations = parse_iterations(entry.substr(0, colon1));
    if (!iterations) return bad("iteration count must be a number from 1 to 2147483647");
    c.iterations = *iterations;
    auto salt = base64_decode(entry.substr(colon1 + 1, dollar - colon1 - 1));
    if (!salt || salt->empty() || salt->size() > kMaxSalt)
        return bad("salt is not 1 to 1024 bytes of base64");
    c.salt = std::move(*salt);
    if (!decode_key(entry.substr(dollar + 1, colon2 - dollar - 1), c.stored_key)) {
        return bad("StoredKey is not 32 bytes of base64");
    }
    if (!decode_key(entry.substr(colon2 + 1), c.server_key))
        return bad("ServerKey is not 32 bytes of base64");
    return c;
}

std::string ScramFile::encode(const ScramCredentials& c) {
    return std::string(kPrefix) + std::to_string(c.iterations) + ":" + base64_encode(c.salt) + "$" +
           base64_encode(c.stored_key) + ":" + base64_encode(c.server_key);
}

std::string ScramFile::hash_password(std::string_view password, std::uint32_t iterations) {
    return encode(ScramCredentials::from_password(password, iterations));
}

ScramFile ScramFile::parse(std::string_view text, std::string_view name) {
    ScramFile f;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> seen_at;
    text::for_each_entry_line(text, [&](std::string_view line, std::size_t line_no) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            throw AuthFileError(std::string(name), line_no, "no ':' between username and SCRAM entry");
        }
        const std::string_view user = trim(line.substr(0, colon));
        std::string why;
        if (!valid_password_file_username(user, &why) || user.empty()) {
            throw AuthFileError(std::string(name), line_no,
                                user.empty() ? "empty username" : "invalid username: " + why);
        }
        auto creds = decode(trim(line.substr(colon + 1)), &why);
        if (!creds) throw AuthFileError(std::string(name), line_no, why);
        auto [it, inserted] = seen_at.try_emplace(std::string(user), line_no);
        if (!inserted) {
            f.warnings_.push_back(std::string(name) + ":" + std::to_string(line_no) + ": user '" +
                                  std::string(user) + "' already listed at line " +
                                  std::to_string(it->second) + "; this line wins");
            it->second = line_no;
        }
        f.entries_.insert_or_assign(std::string(user), std::move(*creds));
    });
    std::map<std::uint32_t, std::size_t> counts;
    std::size_t best = 0;
    for (const auto& [user, creds] : f.entries_) {
        const std::size_t n = ++counts[creds.iterations];
        if (n > best || (n == best && creds.iterations < f.typical_iterations_)) {
            best = n;
            f.typical_iterations_ = creds.iterations;
        }
    }
    return f;
}

ScramFile ScramFile::load(const std::filesystem::path& path) {
    return parse(read_text_file(path), path.string());
}

std::optional<ScramCredentials> ScramFile::find(std::string_view user) const {
    auto it = entries_.find(user);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::string> ScramFile::usernames() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [user, creds] : entries_)
        out.push_back(user);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace tapmq::auth
