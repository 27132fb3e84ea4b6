#include "auth/psk_file.hpp"

#include "auth/text.hpp"

namespace tapmq::auth {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// An odd number of digits reads as if a 0 led ("abc" is 0a bc), as Mosquitto's BN_hex2bn does on
// both ends (mosquitto_pub --psk too).
std::optional<std::string> decode_hex(std::string_view hex) {
    if (hex.empty()) return std::nullopt;
    const std::size_t odd = hex.size() % 2;
    std::string out((hex.size() + odd) / 2, '\0');
    auto digit = [&](std::size_t i) { return i < odd ? 0 : hex_value(hex[i - odd]); };
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = digit(2 * i);
        const int lo = digit(2 * i + 1);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<char>(hi * 16 + lo);
    }
    return out;
}

}  // namespace

PskFile PskFile::parse(std::string_view text, std::string_view name) {
    PskFile f;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> seen_at;
    text::for_each_entry_line(text, [&](std::string_view line, std::size_t line_no) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            throw AuthFileError(std::string(name), line_no, "no ':' between identity and key");
        const std::string_view identity = text::trim(line.substr(0, colon));
        if (identity.empty()) throw AuthFileError(std::string(name), line_no, "empty identity");
        auto key = decode_hex(text::trim(line.substr(colon + 1)));
        if (!key || key->size() > kMaxKeyBytes) {
            throw AuthFileError(
                std::string(name), line_no,
                "the key of '" + std::string(identity) + "' is not 1 to 512 bytes of hexadecimal (no 0x)");
        }
        auto [it, inserted] = seen_at.try_emplace(std::string(identity), line_no);
        if (!inserted) {
            f.warnings_.push_back(std::string(name) + ":" + std::to_string(line_no) + ": identity '" +
                                  std::string(identity) + "' already listed at line " +
                                  std::to_string(it->second) + "; this line wins");
            it->second = line_no;
        }
        f.keys_.insert_or_assign(std::string(identity), std::move(*key));
    });
    return f;
}

PskFile PskFile::load(const std::filesystem::path& path) {
    return parse(read_text_file(path), path.string());
}

std::optional<std::string_view> PskFile::key(std::string_view identity) const {
    auto it = keys_.find(identity);
    if (it == keys_.end()) return std::nullopt;
    return std::string_view(it->second);
}

}  // namespace tapmq::auth
