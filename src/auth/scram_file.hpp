// The SCRAM-SHA-256 credentials file of tapmqd's `auth_scram_file` directive, and the pieces
// `tapmq passwd --scram` needs to write one.
//
// File format: one user a line, in the RFC 5803 form PostgreSQL stores (never the password):
//
//   username:SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
//
// Base64 with '=' padding; StoredKey and ServerKey are 32 bytes, the salt 1..1024 bytes,
// iterations 1..2147483647 (write at least 4096: RFC 7677's minimum, and what clients demand).
// Whitespace around the username and the entry is ignored; blank lines and lines whose first
// non-blank character is '#' are skipped. Every other malformed line is an AuthFileError naming the
// file and the line, never quoting keys. A username listed twice: the last line wins, with a warning
// (as in password files).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_file.hpp"  // AuthFileError
#include "auth/scram.hpp"

namespace tapmq::auth {

class ScramFile {
  public:
    static constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
    static constexpr std::uint32_t kDefaultIterations = 4096;
    static constexpr std::size_t kMaxSalt = 1024;

    ScramFile() = default;

    // Throws AuthFileError (unreadable file or a malformed line).
    static ScramFile load(const std::filesystem::path& path);
    // `name` is used in error messages only.
    static ScramFile parse(std::string_view text, std::string_view name);

    // The user's credentials, or nullopt when unknown. Thread-safe (const).
    std::optional<ScramCredentials> find(std::string_view user) const;
    bool contains(std::string_view user) const { return entries_.find(user) != entries_.end(); }
    std::size_t size() const noexcept { return entries_.size(); }
    // Sorted.
    std::vector<std::string> usernames() const;
    // The iteration count most users have (kDefaultIterations for an empty file): what made-up
    // credentials for unknown users should claim.
    std::uint32_t typical_iterations() const noexcept { return typical_iterations_; }
    // Duplicate users: "<file>:<line>: <reason>".
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }

    // "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>".
    static std::string encode(const ScramCredentials& c);
    // The entry of one line (after "username:"); nullopt with `why` set when malformed.
    static std::optional<ScramCredentials> decode(std::string_view entry, std::string* why = nullptr);
    // A fresh entry for `password` with a random 16-byte salt.
    static std::string hash_password(std::string_view password,
                                     std::uint32_t iterations = kDefaultIterations);

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, ScramCredentials, StringHash, std::equal_to<>> entries_;
    std::vector<std::string> warnings_;
    std::uint32_t typical_iterations_ = kDefaultIterations;
};

}  // namespace tapmq::auth
