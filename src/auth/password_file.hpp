// Mosquitto's password_file, read unchanged, and the pieces `tapmq passwd` needs to write one.
//
// File format (one entry a line, as mosquitto_passwd writes it):
//
//   username:$6$<base64 salt>$<base64 sha512(password || salt)>           Mosquitto 1.x "sha512"
//   username:$7$<iterations>$<base64 salt>$<base64 pbkdf2-hmac-sha512>   Mosquitto 2.0 default (101)
//   username:$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>    Mosquitto 2.1 default
//
// Salts are 12 bytes (Mosquitto 2.0 accepts nothing else; 2.1 also writes and reads 64), hashes
// 64 bytes, base64 with '=' padding. Whitespace around the username and the hash is ignored, as
// Mosquitto trims it; text after a second ':' is ignored, as Mosquitto ignores it. Blank lines and
// lines whose first non-blank character is '#' are skipped.
//
// Differences from the Mosquitto broker, which logs and skips an entry it cannot use:
//  - Options::strict (the default) turns every such line (no ':', empty name or hash, plain-text
//    password, unknown scheme, bad base64, wrong salt or hash length, iterations < 1) into a
//    PasswordFileError naming the file and the line, never quoting the hash. With strict = false
//    the entry is skipped and a warning (same wording) is recorded instead, like Mosquitto.
//  - A username listed twice: the last line wins (as in Mosquitto 2.0.11, verified), with a warning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tapmq::auth {

// A password or ACL file that cannot be used. what() is "<file>:<line>: <reason>" (line 0 when the
// problem is the file as a whole, e.g. it cannot be opened).
class AuthFileError : public std::runtime_error {
  public:
    AuthFileError(std::string file, std::size_t line, const std::string& reason);
    const std::string& file() const noexcept { return file_; }
    std::size_t line() const noexcept { return line_; }
    const std::string& reason() const noexcept { return reason_; }

  private:
    std::string file_;
    std::size_t line_;
    std::string reason_;
};

using PasswordFileError = AuthFileError;

class PasswordFile {
  public:
    enum class Algorithm {
        Sha512 = 6,        // $6$  (mosquitto_passwd -H sha512)
        Sha512Pbkdf2 = 7,  // $7$  (mosquitto_passwd 2.0 default)
        Argon2id = 8,      // $argon2id$ (mosquitto_passwd 2.1 default; needs libargon2)
    };
    // mosquitto_passwd 2.0 writes $7$101$ (2.1 raised its default to 1000).
    static constexpr int kDefaultIterations = 101;
    // What mosquitto_passwd writes: 12 bytes of salt for $6$/$7$ (the only length 2.0 reads).
    static constexpr std::size_t kSaltBytes = 12;
    // Mosquitto 2.1's argon2id parameters: t=1, m=47104 KiB, p=1, 64-byte salt and hash.
    static constexpr std::uint32_t kArgon2TimeCost = 1;
    static constexpr std::uint32_t kArgon2MemoryKiB = 47104;
    static constexpr std::uint32_t kArgon2Lanes = 1;
    static constexpr std::size_t kArgon2SaltBytes = 64;
    static constexpr std::size_t kArgon2HashBytes = 64;

    struct Options {
        bool strict = true;
    };

    PasswordFile() = default;

    // Throws AuthFileError (unreadable file, or a malformed line when strict).
    static PasswordFile load(const std::filesystem::path& path, Options options);
    static PasswordFile load(const std::filesystem::path& path) { return load(path, Options{}); }
    // `name` is used in error messages only.
    static PasswordFile parse(std::string_view text, std::string_view name, Options options);
    static PasswordFile parse(std::string_view text, std::string_view name) {
        return parse(text, name, Options{});
    }

    // True when `user` is in the file and `password` matches its hash. An unknown user costs what
    // a known one does: the password is checked against a dummy entry of the file's most common
    // hash type, with the parameters of the first entry of that type (argon2id memory and passes,
    // $7$ iterations), and the answer is no. Digests are compared with CRYPTO_memcmp.
    // The password is taken as bytes; Mosquitto hashes it only up to a first NUL byte (C strings),
    // so passwords containing NUL are the one case where the two differ.
    // Thread-safe (const, no shared mutable state). A client that sent no password must be refused
    // by the caller (Mosquitto refuses a listed user without a password).
    bool verify(std::string_view user, std::string_view password) const;
    // The same with the hash check supplied (tests count what runs): `check(entry, password)`.
    struct Entry;
    using EntryCheck = std::function<bool(const Entry&, std::string_view)>;
    bool verify(std::string_view user, std::string_view password, const EntryCheck& check) const;
    // What an unknown user's password is checked against (see verify).
    const Entry& dummy_entry() const noexcept { return dummy_; }
    // The hash check verify() uses.
    static bool check_entry(const Entry& e, std::string_view password);

    bool contains(std::string_view user) const;
    std::optional<Algorithm> algorithm_of(std::string_view user) const;
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    // Sorted.
    std::vector<std::string> usernames() const;
    // Duplicate users, and skipped lines when not strict: "<file>:<line>: <reason>".
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }

    // The hash field of a password-file line ("$7$101$<salt>$<hash>", "$6$...", "$argon2id$...")
    // with a fresh random salt (RAND_bytes). `iterations` only applies to Sha512Pbkdf2 (>= 1);
    // argon2id uses Mosquitto 2.1's fixed parameters. Throws std::invalid_argument /
    // std::runtime_error (e.g. argon2id without libargon2).
    static std::string hash_password(std::string_view password, Algorithm algorithm = Algorithm::Sha512Pbkdf2,
                                     int iterations = kDefaultIterations);

    // Checks one hash field on its own. nullopt when `encoded` is not a hash this code reads.
    static std::optional<bool> verify_encoded(std::string_view encoded, std::string_view password);
    // True when `encoded` parses as one of the three schemes (what -U uses to skip hashed lines).
    static bool is_hashed(std::string_view encoded);
    // Whether this build can read argon2id lines.
    static bool argon2_supported() noexcept;

    struct Entry {
        Algorithm algorithm{};
        int iterations = 0;              // $7$
        std::vector<std::uint8_t> salt;  // $6$, $7$
        std::vector<std::uint8_t> hash;  // $6$, $7$
        std::string encoded;             // $argon2id$ (verified by libargon2)
    };

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // Made once the file is read (parse): the most common hash type's first entry, salted anew.
    void choose_dummy();
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
    std::vector<std::string> warnings_;
    Entry dummy_;
};

// ---- writing, for `tapmq passwd` ----

// A username mosquitto_passwd accepts: at most 65535 bytes, no control characters, no ':'.
// On failure `why` gets mosquitto_passwd's message ("Username must not contain ...").
bool valid_password_file_username(std::string_view user, std::string* why = nullptr);

// The text of a password file, edited line by line as mosquitto_passwd does: lines that are not
// touched are kept byte for byte (including comments and blank lines, which mosquitto_passwd
// itself refuses as "Corrupt password file").
class PasswordFileEditor {
  public:
    // Every line that is not blank or a comment must be "user:field" with both parts non-empty
    // (after trimming), else AuthFileError "Corrupt password file at line N" (mosquitto_passwd's
    // wording). Fields are not checked: a plain-text file is fine here (it is what -U converts).
    static PasswordFileEditor parse(std::string_view text, std::string_view name);
    static PasswordFileEditor load(const std::filesystem::path& path);

    // Replaces the first line for `user` with "user:encoded_hash" and drops later lines for the
    // same user (the broker would use the last one; mosquitto_passwd leaves them), or appends a
    // line. Returns true when the user existed.
    bool set(std::string_view user, std::string_view encoded_hash);
    // Removes every line for `user`; false when there was none.
    bool remove(std::string_view user);
    bool contains(std::string_view user) const;
    // mosquitto_passwd -U: hashes each field that is not already a hash (mosquitto_passwd 2.0
    // hashes every field, re-hashing already hashed ones; that is not repeated here). Returns how
    // many lines were converted.
    std::size_t hash_plaintext(PasswordFile::Algorithm algorithm = PasswordFile::Algorithm::Sha512Pbkdf2,
                               int iterations = PasswordFile::kDefaultIterations);
    // The same for other formats (SCRAM files, whose entries contain ':'): `is_hashed` and `hash` see
    // the whole text after the user's ':' (trimmed), not only up to a second ':'.
    std::size_t hash_plaintext(const std::function<bool(std::string_view)>& is_hashed,
                               const std::function<std::string(std::string_view)>& hash);

    std::string text() const;

  private:
    struct Line {
        std::string raw;   // without its '\n'
        std::string user;  // empty for blank/comment lines
        std::string field;
    };
    std::vector<Line> lines_;
    bool trailing_newline_ = true;
};

// Replaces `path` (the file it links to, for a symbolic link) with `text` atomically (temporary
// file in the same directory, fsync, rename).
// A new file is created with mode 0600; an existing file keeps its mode, and its owner and group
// when the process may set them (if it may not, the file is rewritten in place instead, so that a
// root-run `tapmq passwd` never leaves the broker's user unable to read it). Throws
// std::system_error.
void write_text_file_atomically(const std::filesystem::path& path, std::string_view text);

// Reads a whole file; throws AuthFileError(path, 0, "cannot open: <strerror>").
std::string read_text_file(const std::filesystem::path& path);

}  // namespace tapmq::auth
