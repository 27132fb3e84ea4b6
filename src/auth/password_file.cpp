#include "auth/password_file.hpp"

#include "auth/text.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#ifdef TAPMQ_HAVE_ARGON2
#include <argon2.h>
#endif

#include "auth/base64.hpp"

namespace tapmq::auth {

AuthFileError::AuthFileError(std::string file, std::size_t line, const std::string& reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + reason),
      file_(std::move(file)),
      line_(line),
      reason_(reason) {}

namespace {

using text::trim;

constexpr std::size_t kHashBytes = 64;  // SHA-512
constexpr std::size_t kMaxUsername = 65535;

// Splits text into lines without their '\n'; a final line without '\n' counts as a line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

bool is_comment_or_blank(std::string_view line) {
    const std::string_view t = trim(line);
    return t.empty() || t.front() == '#';
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

// Checks the shape of "$argon2id$[v=N$]m=N,t=N,p=N$salt$hash" (libargon2's encoding: base64
// without padding). libargon2 re-parses it when verifying; this only makes a bad line an error at
// load time rather than a silent login failure.
std::optional<std::string> check_argon2id(std::string_view encoded) {
    constexpr std::string_view kPrefix = "$argon2id$";
    std::string_view rest = encoded.substr(kPrefix.size());
    auto parts = split(rest, '$');
    if (!parts.empty() && parts.front().starts_with("v=")) {
        if (!parse_u32(parts.front().substr(2))) return "bad argon2id version";
        parts.erase(parts.begin());
    }
    if (parts.size() != 3) return "malformed argon2id hash";
    const auto params = split(parts[0], ',');
    if (params.size() != 3 || !params[0].starts_with("m=") || !params[1].starts_with("t=") ||
        !params[2].starts_with("p=")) {
        return "malformed argon2id parameters";
    }
    const auto m = parse_u32(params[0].substr(2));
    const auto t = parse_u32(params[1].substr(2));
    const auto p = parse_u32(params[2].substr(2));
    if (!m || !t || !p || *t < 1 || *p < 1 || *p > 0xFFFFFF || *m < 8ULL * *p) {
        return "bad argon2id parameters";
    }
    const auto salt = base64_decode(parts[1]);
    if (!salt || salt->size() < 8 || parts[1].find('=') != std::string_view::npos) {
        return "bad argon2id salt";
    }
    const auto hash = base64_decode(parts[2]);
    if (!hash || hash->size() < 4 || parts[2].find('=') != std::string_view::npos) {
        return "bad argon2id hash";
    }
    return std::nullopt;
}

// Decodes a hash field. On failure returns the reason (which never quotes the field).
std::optional<std::string> decode_field(std::string_view field, PasswordFile::Entry& out) {
    using Algorithm = PasswordFile::Algorithm;
    if (field.starts_with("$argon2id$")) {
#ifdef TAPMQ_HAVE_ARGON2
        if (auto why = check_argon2id(field)) return why;
        out.algorithm = Algorithm::Argon2id;
        out.encoded = std::string(field);
        return std::nullopt;
#else
        return "argon2id password hashes are not supported by this build (no libargon2)";
#endif
    }
    std::vector<std::string_view> parts;
    if (field.starts_with("$6$")) {
        out.algorithm = Algorithm::Sha512;
        parts = split(field.substr(3), '$');
        if (parts.size() != 2) return "malformed $6$ hash (expected $6$<salt>$<hash>)";
    } else if (field.starts_with("$7$")) {
        out.algorithm = Algorithm::Sha512Pbkdf2;
        parts = split(field.substr(3), '$');
        if (parts.size() != 3) return "malformed $7$ hash (expected $7$<iterations>$<salt>$<hash>)";
        const auto it = parse_u32(parts[0]);
        if (!it || *it < 1 || *it > static_cast<std::uint32_t>(INT_MAX)) return "bad $7$ iteration count";
        out.iterations = static_cast<int>(*it);
        parts.erase(parts.begin());
    } else if (field.starts_with("$")) {
        return "unknown password hash type";
    } else {
        return "password is not hashed (plain text is refused; convert the file with `tapmq passwd -U`)";
    }
    auto salt = base64_decode(parts[0]);
    if (!salt) return "salt is not valid base64";
    if (salt->size() != PasswordFile::kSaltBytes && salt->size() != 64) {
        return "salt is " + std::to_string(salt->size()) + " bytes (12 or 64 expected)";
    }
    auto hash = base64_decode(parts[1]);
    if (!hash) return "hash is not valid base64";
    if (hash->size() != kHashBytes) return "hash is " + std::to_string(hash->size()) + " bytes (64 expected)";
    out.salt = std::move(*salt);
    out.hash = std::move(*hash);
    return std::nullopt;
}

bool sha512_digest(std::string_view password, const std::vector<std::uint8_t>& salt,
                   std::array<std::uint8_t, kHashBytes>& out) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return false;
    unsigned int len = 0;
    const bool ok = EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                    EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == kHashBytes;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool pbkdf2_digest(std::string_view password, const std::vector<std::uint8_t>& salt, int iterations,
                   std::array<std::uint8_t, kHashBytes>& out) {
    if (password.size() > static_cast<std::size_t>(INT_MAX)) return false;
    return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                             static_cast<int>(salt.size()), iterations, EVP_sha512(),
                             static_cast<int>(kHashBytes), out.data()) == 1;
}

bool verify_entry(const PasswordFile::Entry& e, std::string_view password) {
    using Algorithm = PasswordFile::Algorithm;
    std::array<std::uint8_t, kHashBytes> digest{};
    switch (e.algorithm) {
        case Algorithm::Sha512:
            if (!sha512_digest(password, e.salt, digest)) return false;
            break;
        case Algorithm::Sha512Pbkdf2:
            if (!pbkdf2_digest(password, e.salt, e.iterations, digest)) return false;
            break;
        case Algorithm::Argon2id:
#ifdef TAPMQ_HAVE_ARGON2
            if (password.size() > UINT32_MAX) return false;
            return argon2id_verify(e.encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
#else
            return false;
#endif
    }
    return e.hash.size() == digest.size() && CRYPTO_memcmp(e.hash.data(), digest.data(), digest.size()) == 0;
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
    std::vector<std::uint8_t> out(n);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
    return out;
}

}  // namespace

PasswordFile PasswordFile::load(const std::filesystem::path& path, Options options) {
    const std::string text = read_text_file(path);
    return parse(text, path.string(), options);
}

PasswordFile PasswordFile::parse(std::string_view text, std::string_view name, Options options) {
    PasswordFile file;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> first_line;
    const auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t lineno = i + 1;
        const std::string_view line = lines[i];
        if (is_comment_or_blank(line)) continue;

        auto fail = [&](const std::string& reason) {
            if (options.strict) throw AuthFileError(std::string(name), lineno, reason);
            file.warnings_.push_back(std::string(name) + ":" + std::to_string(lineno) + ": " + reason +
                                     "; entry ignored");
        };

        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            fail("expected username:hash");
            continue;
        }
        const std::string_view user = trim(line.substr(0, colon));
        std::string_view field = line.substr(colon + 1);
        field = trim(field.substr(0, field.find(':')));
        if (user.empty()) {
            fail("empty username");
            continue;
        }
        if (user.size() > kMaxUsername) {
            fail("username too long");
            continue;
        }
        const std::string who = "user '" + std::string(user) + "': ";
        if (field.empty()) {
            fail(who + "no password hash");
            continue;
        }
        Entry entry;
        if (auto why = decode_field(field, entry)) {
            fail(who + *why);
            continue;
        }
        auto [it, inserted] = first_line.try_emplace(std::string(user), lineno);
        if (!inserted) {
            file.warnings_.push_back(std::string(name) + ":" + std::to_string(lineno) + ": user '" +
                                     std::string(user) + "' already listed at line " +
                                     std::to_string(it->second) +
                                     "; this later line is used (as Mosquitto does)");
        }
        file.entries_.insert_or_assign(std::string(user), std::move(entry));
    }
    file.choose_dummy();
    return file;
}

bool PasswordFile::check_entry(const Entry& e, std::string_view password) {
    return verify_entry(e, password);
}

bool PasswordFile::verify(std::string_view user, std::string_view password) const {
    return verify(user, password, check_entry);
}

bool PasswordFile::verify(std::string_view user, std::string_view password, const EntryCheck& check) const {
    const auto it = entries_.find(user);
    if (it == entries_.end()) {
        // The same work as for a known user, so that timing does not tell users apart; the dummy's
        // hash is random, and its answer is ignored anyway.
        (void)check(dummy_, password);
        return false;
    }
    return check(it->second, password);
}

void PasswordFile::choose_dummy() {
    // An empty file: a default $7$ entry.
    Entry d;
    d.algorithm = Algorithm::Sha512Pbkdf2;
    d.iterations = kDefaultIterations;
    d.salt.assign(kSaltBytes, 0x5A);
    d.hash.assign(kHashBytes, 0);
    std::unordered_map<int, std::size_t> count;
    for (const auto& [user, e] : entries_)
        ++count[static_cast<int>(e.algorithm)];
    int common = 0;
    std::size_t most = 0;
    for (const auto& [algorithm, n] : count) {
        if (n > most || (n == most && algorithm > common)) {  // a tie goes to the costlier type
            most = n;
            common = algorithm;
        }
    }
    // The first entry of that type in name order (the map's order is not the file's): a stable
    // choice whatever the hash table does.
    const Entry* model = nullptr;
    const std::string* model_user = nullptr;
    for (const auto& [user, e] : entries_) {
        if (static_cast<int>(e.algorithm) != common) continue;
        if (model_user == nullptr || user < *model_user) {
            model = &e;
            model_user = &user;
        }
    }
    if (model != nullptr) {
        // Its parameters. $6$/$7$: a digest nothing matches; argon2id: the model's own encoded
        // hash (libargon2 takes parameters, salt and hash as one string), whose answer verify()
        // ignores.
        d = *model;
        if (!d.hash.empty()) d.hash.assign(d.hash.size(), 0);
    }
    dummy_ = std::move(d);
}

bool PasswordFile::contains(std::string_view user) const {
    return entries_.find(user) != entries_.end();
}

std::optional<PasswordFile::Algorithm> PasswordFile::algorithm_of(std::string_view user) const {
    const auto it = entries_.find(user);
    if (it == entries_.end()) return std::nullopt;
    return it->second.algorithm;
}

std::vector<std::string> PasswordFile::usernames() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [user, _] : entries_)
        out.push_back(user);
    std::sort(out.begin(), out.end());
    return out;
}

std::string PasswordFile::hash_password(std::string_view password, Algorithm algorithm, int iterations) {
    switch (algorithm) {
        case Algorithm::Sha512: {
            const auto salt = random_bytes(kSaltBytes);
            std::array<std::uint8_t, kHashBytes> digest{};
            if (!sha512_digest(password, salt, digest)) throw std::runtime_error("SHA-512 failed");
            return "$6$" + base64_encode(salt) + "$" + base64_encode(digest);
        }
        case Algorithm::Sha512Pbkdf2: {
            if (iterations < 1) throw std::invalid_argument("iterations must be >= 1");
            const auto salt = random_bytes(kSaltBytes);
            std::array<std::uint8_t, kHashBytes> digest{};
            if (!pbkdf2_digest(password, salt, iterations, digest)) throw std::runtime_error("PBKDF2 failed");
            return "$7$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
                   base64_encode(digest);
        }
        case Algorithm::Argon2id: {
#ifdef TAPMQ_HAVE_ARGON2
            const auto salt = random_bytes(kArgon2SaltBytes);
            const std::size_t len = argon2_encodedlen(
                kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Lanes, static_cast<std::uint32_t>(salt.size()),
                static_cast<std::uint32_t>(kArgon2HashBytes), Argon2_id);
            std::string encoded(len + 1, '\0');
            const int rc = argon2id_hash_encoded(kArgon2TimeCost, kArgon2MemoryKiB, kArgon2Lanes,
                                                 password.data(), password.size(), salt.data(), salt.size(),
                                                 kArgon2HashBytes, encoded.data(), encoded.size());
            if (rc != ARGON2_OK)
                throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
            encoded.resize(std::strlen(encoded.c_str()));
            return encoded;
#else
            throw std::runtime_error("argon2id is not supported by this build (no libargon2)");
#endif
        }
    }
    throw std::invalid_argument("unknown password hash algorithm");
}

std::optional<bool> PasswordFile::verify_encoded(std::string_view encoded, std::string_view password) {
    Entry entry;
    if (decode_field(trim(encoded), entry)) return std::nullopt;
    return verify_entry(entry, password);
}

bool PasswordFile::is_hashed(std::string_view encoded) {
    Entry entry;
    return !decode_field(trim(encoded), entry).has_value();
}

bool PasswordFile::argon2_supported() noexcept {
#ifdef TAPMQ_HAVE_ARGON2
    return true;
#else
    return false;
#endif
}

// ---- writing ----

bool valid_password_file_username(std::string_view user, std::string* why) {
    auto fail = [&](const char* msg) {
        if (why != nullptr) *why = msg;
        return false;
    };
    if (user.empty()) return fail("Username must not be empty.");
    if (user.size() > kMaxUsername) return fail("Username must be less than 65536 characters long.");
    for (char c : user) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return fail("Username must not contain control characters.");
    }
    if (user.find(':') != std::string_view::npos) return fail("Username must not contain the ':' character.");
    return true;
}

PasswordFileEditor PasswordFileEditor::parse(std::string_view text, std::string_view name) {
    PasswordFileEditor ed;
    ed.trailing_newline_ = text.empty() || text.back() == '\n';
    const auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Line l;
        l.raw = std::string(lines[i]);
        if (!is_comment_or_blank(lines[i])) {
            const std::size_t colon = lines[i].find(':');
            std::string_view user;
            std::string_view field;
            if (colon != std::string_view::npos) {
                user = trim(lines[i].substr(0, colon));
                field = lines[i].substr(colon + 1);
                field = trim(field.substr(0, field.find(':')));
            }
            if (user.empty() || field.empty()) {
                throw AuthFileError(std::string(name), i + 1,
                                    "Corrupt password file at line " + std::to_string(i + 1) + ".");
            }
            l.user = std::string(user);
            l.field = std::string(field);
        }
        ed.lines_.push_back(std::move(l));
    }
    return ed;
}

PasswordFileEditor PasswordFileEditor::load(const std::filesystem::path& path) {
    return parse(read_text_file(path), path.string());
}

bool PasswordFileEditor::set(std::string_view user, std::string_view encoded_hash) {
    bool found = false;
    for (auto it = lines_.begin(); it != lines_.end();) {
        if (it->user.empty() || it->user != user) {
            ++it;
        } else if (found) {
            it = lines_.erase(it);  // a later duplicate would win in the broker: drop it
        } else {
            found = true;
            it->field = std::string(encoded_hash);
            it->raw = it->user + ":" + it->field;
            ++it;
        }
    }
    if (found) return true;
    Line l;
    l.user = std::string(user);
    l.field = std::string(encoded_hash);
    l.raw = l.user + ":" + l.field;
    trailing_newline_ = true;
    lines_.push_back(std::move(l));
    return false;
}

bool PasswordFileEditor::remove(std::string_view user) {
    const auto before = lines_.size();
    std::erase_if(lines_, [&](const Line& l) { return !l.user.empty() && l.user == user; });
    return lines_.size() != before;
}

bool PasswordFileEditor::contains(std::string_view user) const {
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const Line& l) { return !l.user.empty() && l.user == user; });
}

std::size_t PasswordFileEditor::hash_plaintext(PasswordFile::Algorithm algorithm, int iterations) {
    std::size_t n = 0;
    for (auto& l : lines_) {
        if (l.user.empty() || PasswordFile::is_hashed(l.field)) continue;
        l.field = PasswordFile::hash_password(l.field, algorithm, iterations);
        l.raw = l.user + ":" + l.field;
        ++n;
    }
    return n;
}

std::size_t PasswordFileEditor::hash_plaintext(const std::function<bool(std::string_view)>& is_hashed,
                                               const std::function<std::string(std::string_view)>& hash) {
    std::size_t n = 0;
    for (auto& l : lines_) {
        if (l.user.empty()) continue;
        const std::string_view rest = trim(std::string_view(l.raw).substr(l.raw.find(':') + 1));
        if (is_hashed(rest)) continue;
        l.field = hash(rest);
        l.raw = l.user + ":" + l.field;
        ++n;
    }
    return n;
}

std::string PasswordFileEditor::text() const {
    std::string out;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        out += lines_[i].raw;
        if (i + 1 < lines_.size() || trailing_newline_) out.push_back('\n');
    }
    return out;
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw AuthFileError(path.string(), 0, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw AuthFileError(path.string(), 0, "read error");
    return ss.str();
}

namespace {

void write_all(int fd, std::string_view text, const std::string& what) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "write " + what);
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void rewrite_in_place(const std::filesystem::path& path, std::string_view text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    try {
        write_all(fd, text, path.string());
        if (::fsync(fd) != 0)
            throw std::system_error(errno, std::generic_category(), "fsync " + path.string());
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

}  // namespace

void write_text_file_atomically(const std::filesystem::path& link, std::string_view text) {
    // Replace the file a symbolic link points to, not the link (as mosquitto_passwd's realpath()).
    std::error_code ec;
    const std::filesystem::path resolved = std::filesystem::canonical(link, ec);
    const std::filesystem::path& path = ec ? link : resolved;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (!exists && errno != ENOENT)
        throw std::system_error(errno, std::generic_category(), "stat " + path.string());

    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    std::string tmpl = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
    const int fd = ::mkstemp(tmpl.data());  // mode 0600
    if (fd < 0) {
        // Cannot create a file beside it (e.g. a root-owned directory): rewrite in place.
        if (exists) return rewrite_in_place(path, text);
        throw std::system_error(errno, std::generic_category(), "create " + path.string());
    }
    bool keep_owner_failed = false;
    try {
        write_all(fd, text, tmpl);
        if (exists) {
            if (::fchmod(fd, st.st_mode & 07777) != 0) {
                throw std::system_error(errno, std::generic_category(), "chmod " + tmpl);
            }
            if ((st.st_uid != ::geteuid() || st.st_gid != ::getegid()) &&
                ::fchown(fd, st.st_uid, st.st_gid) != 0) {
                keep_owner_failed = true;
            }
        }
        if (!keep_owner_failed && ::fsync(fd) != 0) {
            throw std::system_error(errno, std::generic_category(), "fsync " + tmpl);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        throw;
    }
    ::close(fd);
    if (keep_owner_failed) {
        ::unlink(tmpl.c_str());
        return rewrite_in_place(path, text);
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmpl.c_str());
        throw std::system_error(err, std::generic_category(), "rename to " + path.string());
    }
}

}  // namespace tapmq::auth
