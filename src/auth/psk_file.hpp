// Mosquitto's psk_file: the pre-shared keys of TLS-PSK listeners, one `identity:key` a line, the
// key in hexadecimal without "0x" (as mosquitto.conf(5) describes it).
//
// Whitespace around the identity and the key is ignored; blank lines and lines whose first
// non-blank character is '#' are skipped. A line without ':', with an empty identity, or with a
// key that is not hex digits (1 to 512 bytes, OpenSSL's PSK_MAX_PSK_LEN; an odd count reads as if a
// 0 led, as Mosquitto reads it) is an
// AuthFileError naming the file and the line, never quoting the key. An identity listed twice: the
// last line wins, with a warning. Pure code.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_file.hpp"  // AuthFileError

namespace tapmq::auth {

class PskFile {
  public:
    static constexpr std::size_t kMaxKeyBytes = 512;

    PskFile() = default;

    // Throws AuthFileError (unreadable file or a malformed line).
    static PskFile load(const std::filesystem::path& path);
    // `name` is used in error messages only.
    static PskFile parse(std::string_view text, std::string_view name);

    // The key (raw bytes) of `identity`, or nullopt when unknown. Thread-safe (const).
    std::optional<std::string_view> key(std::string_view identity) const;
    std::size_t size() const noexcept { return keys_.size(); }
    // Identities listed twice: "<file>:<line>: <reason>".
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> keys_;
    std::vector<std::string> warnings_;
};

}  // namespace tapmq::auth
