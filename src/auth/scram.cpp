#include "auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "auth/base64.hpp"

namespace tapmq::auth {
namespace {

using Key = std::array<std::uint8_t, 32>;

Key hmac256(std::span<const std::uint8_t> key, std::string_view data) {
    Key out{};
    std::size_t len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), out.size(),
                  &len) == nullptr ||
        len != out.size()) {
        throw std::runtime_error("HMAC-SHA-256 failed");
    }
    return out;
}

Key sha256(std::span<const std::uint8_t> data) {
    Key out{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
        len != out.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
    return out;
}

Key salted_password(std::string_view password, std::span<const std::uint8_t> salt, std::uint32_t iterations) {
    Key out{};
    if (password.size() > 0x7FFFFFFF || salt.size() > 0x7FFFFFFF || iterations > 0x7FFFFFFF ||
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(out.size()), out.data()) != 1) {
        throw std::runtime_error("PBKDF2-HMAC-SHA-256 failed");
    }
    return out;
}

std::string random_nonce() {
    std::array<std::uint8_t, 18> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return base64_encode(raw);  // 24 printable characters, no ','
}

std::vector<std::string_view> split_commas(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t p = s.find(',', start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

// saslname: "=2C" is ',', "=3D" is '='; any other '=' is an error.
std::optional<std::string> decode_saslname(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ',') return std::nullopt;
        if (s[i] != '=') {
            out.push_back(s[i]);
            continue;
        }
        const std::string_view esc = s.substr(i + 1, 2);
        if (esc == "2C") {
            out.push_back(',');
        } else if (esc == "3D") {
            out.push_back('=');
        } else {
            return std::nullopt;
        }
        i += 2;
    }
    return out;
}

std::string encode_saslname(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// printable = %x21-2B / %x2D-7E (no ',')
bool valid_nonce(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7E || c == ',') return false;
    }
    return true;
}

// Made-up credentials for unknown users: stable per name within the process, so that probing
// twice does not reveal that the salt is random.
ScramCredentials mock_credentials(std::string_view username, std::uint32_t iterations) {
    static const Key secret = [] {
        Key k{};
        if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1)
            throw std::runtime_error("RAND_bytes failed");
        return k;
    }();
    const Key mac = hmac256(secret, username);
    ScramCredentials c;
    c.salt.assign(mac.begin(), mac.begin() + 16);
    c.iterations = iterations;
    c.stored_key = hmac256(secret, std::string("stored:") + std::string(username));
    c.server_key = hmac256(secret, std::string("server:") + std::string(username));
    return c;
}

}  // namespace

ScramCredentials ScramCredentials::from_password(std::string_view password,
                                                 std::span<const std::uint8_t> salt,
                                                 std::uint32_t iterations) {
    if (salt.empty()) throw std::invalid_argument("SCRAM salt must not be empty");
    if (iterations == 0) throw std::invalid_argument("SCRAM iterations must be >= 1");
    ScramCredentials c;
    c.salt.assign(salt.begin(), salt.end());
    c.iterations = iterations;
    Key salted = salted_password(password, salt, iterations);
    const Key client_key = hmac256(salted, "Client Key");
    c.stored_key = sha256(client_key);
    c.server_key = hmac256(salted, "Server Key");
    OPENSSL_cleanse(salted.data(), salted.size());
    return c;
}

ScramCredentials ScramCredentials::from_password(std::string_view password, std::uint32_t iterations) {
    std::array<std::uint8_t, 16> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return from_password(password, salt, iterations);
}

ScramServer::ScramServer(ScramLookup lookup, std::string server_nonce)
    : ScramServer(std::move(lookup), std::move(server_nonce), 4096) {}

ScramServer::ScramServer(ScramLookup lookup, std::string server_nonce, std::uint32_t unknown_user_iterations)
    : lookup_(std::move(lookup)),
      server_nonce_(std::move(server_nonce)),
      unknown_user_iterations_(unknown_user_iterations == 0 ? 4096 : unknown_user_iterations) {
    if (server_nonce_.empty()) server_nonce_ = random_nonce();
    if (!valid_nonce(server_nonce_))
        throw std::invalid_argument("SCRAM server nonce must be printable, without ','");
}

ScramServer::Step ScramServer::fail(std::string_view code, std::string why) {
    state_ = State::Failed;
    Step s;
    s.ok = false;
    s.message = "e=" + std::string(code);
    s.error = std::move(why);
    return s;
}

ScramServer::Step ScramServer::client_first(std::string_view msg) {
    if (state_ != State::ExpectClientFirst) return fail("other-error", "client-first message out of order");
    if (msg.empty() || msg.size() > kMaxMessage) return fail("invalid-encoding", "client-first message size");

    // gs2-header: cbind-flag "," [authzid] ","
    const std::size_t c1 = msg.find(',');
    const std::size_t c2 = c1 == std::string_view::npos ? c1 : msg.find(',', c1 + 1);
    if (c2 == std::string_view::npos) return fail("invalid-encoding", "no GS2 header");
    const std::string_view flag = msg.substr(0, c1);
    const std::string_view authzid = msg.substr(c1 + 1, c2 - c1 - 1);
    if (flag.starts_with("p=")) {
        return fail("channel-binding-not-supported", "client requires channel binding");
    }
    if (flag != "n" && flag != "y") return fail("invalid-encoding", "bad GS2 channel-binding flag");

    gs2_header_ = std::string(msg.substr(0, c2 + 1));
    client_first_bare_ = std::string(msg.substr(c2 + 1));

    const auto attrs = split_commas(client_first_bare_);
    if (!attrs.empty() && attrs[0].starts_with("m=")) {
        return fail("extensions-not-supported", "mandatory extension requested");
    }
    if (attrs.size() < 2 || !attrs[0].starts_with("n=") || !attrs[1].starts_with("r=")) {
        return fail("invalid-encoding", "client-first-message-bare must start with n=...,r=...");
    }
    auto user = decode_saslname(attrs[0].substr(2));
    if (!user || user->empty()) return fail("invalid-username-encoding", "bad user name encoding");
    if (!authzid.empty()) {
        if (!authzid.starts_with("a=")) return fail("invalid-encoding", "bad GS2 authzid");
        const auto az = decode_saslname(authzid.substr(2));
        if (!az) return fail("invalid-username-encoding", "bad authzid encoding");
        if (*az != *user) return fail("other-error", "authorisation identity differs from the user");
    }
    const std::string_view client_nonce = attrs[1].substr(2);
    if (!valid_nonce(client_nonce)) return fail("invalid-encoding", "bad client nonce");

    username_ = std::move(*user);
    auto creds = lookup_ ? lookup_(username_) : std::nullopt;
    known_user_ = creds.has_value();
    creds_ = known_user_ ? std::move(*creds) : mock_credentials(username_, unknown_user_iterations_);
    if (creds_.salt.empty() || creds_.iterations == 0) {
        return fail("other-error", "stored SCRAM credentials are unusable");
    }

    nonce_ = std::string(client_nonce) + server_nonce_;
    server_first_ =
        "r=" + nonce_ + ",s=" + base64_encode(creds_.salt) + ",i=" + std::to_string(creds_.iterations);
    state_ = State::ExpectClientFinal;
    return Step{true, server_first_, {}};
}

ScramServer::Step ScramServer::client_final(std::string_view msg) {
    if (state_ != State::ExpectClientFinal) return fail("other-error", "client-final message out of order");
    if (msg.empty() || msg.size() > kMaxMessage) return fail("invalid-encoding", "client-final message size");

    const std::size_t p = msg.rfind(",p=");
    if (p == std::string_view::npos) return fail("invalid-encoding", "no proof");
    const std::string_view without_proof = msg.substr(0, p);
    const std::string_view proof_b64 = msg.substr(p + 3);
    const auto attrs = split_commas(without_proof);
    if (attrs.size() < 2 || !attrs[0].starts_with("c=") || !attrs[1].starts_with("r=")) {
        return fail("invalid-encoding", "client-final message must start with c=...,r=...");
    }
    const auto cbind = base64_decode(attrs[0].substr(2));
    if (!cbind) return fail("invalid-encoding", "channel binding is not base64");
    if (std::string_view(reinterpret_cast<const char*>(cbind->data()), cbind->size()) != gs2_header_) {
        return fail("channel-bindings-dont-match", "channel binding differs from the GS2 header");
    }
    if (attrs[1].substr(2) != nonce_) return fail("other-error", "nonce mismatch");
    const auto proof = base64_decode(proof_b64);
    if (!proof || proof->size() != 32) return fail("invalid-encoding", "proof is not 32 bytes of base64");

    const std::string auth_message =
        client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
    const Key client_signature = hmac256(creds_.stored_key, auth_message);
    Key client_key{};
    for (std::size_t i = 0; i < client_key.size(); ++i)
        client_key[i] = (*proof)[i] ^ client_signature[i];
    const Key check = sha256(client_key);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    const bool match = CRYPTO_memcmp(check.data(), creds_.stored_key.data(), check.size()) == 0;
    if (!match || !known_user_) {
        return fail("invalid-proof", known_user_ ? "wrong password" : "unknown user");
    }
    const Key server_signature = hmac256(creds_.server_key, auth_message);
    state_ = State::Succeeded;
    return Step{true, "v=" + base64_encode(server_signature), {}};
}

// ---- client ----

ScramClient::ScramClient(std::string username, std::string password, std::string client_nonce)
    : username_(std::move(username)), password_(std::move(password)), nonce_(std::move(client_nonce)) {
    if (nonce_.empty()) nonce_ = random_nonce();
}

std::string ScramClient::client_first() {
    client_first_bare_ = "n=" + encode_saslname(username_) + ",r=" + nonce_;
    return "n,," + client_first_bare_;
}

std::optional<std::string> ScramClient::client_final(std::string_view server_first,
                                                     std::uint32_t min_iterations) {
    const auto attrs = split_commas(server_first);
    if (attrs.size() < 3 || !attrs[0].starts_with("r=") || !attrs[1].starts_with("s=") ||
        !attrs[2].starts_with("i=")) {
        error_ = "malformed server-first message";
        return std::nullopt;
    }
    const std::string_view nonce = attrs[0].substr(2);
    if (!nonce.starts_with(nonce_) || nonce.size() == nonce_.size() || !valid_nonce(nonce)) {
        error_ = "server nonce does not extend the client nonce";
        return std::nullopt;
    }
    const auto salt = base64_decode(attrs[1].substr(2));
    std::uint64_t iterations = 0;
    const std::string_view it = attrs[2].substr(2);
    for (char c : it) {
        if (c < '0' || c > '9' || iterations > 0xFFFFFFFFULL) {
            error_ = "bad iteration count";
            return std::nullopt;
        }
        iterations = iterations * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!salt || salt->empty() || it.empty() || iterations < min_iterations || iterations > 0x7FFFFFFF) {
        error_ = "bad salt or iteration count";
        return std::nullopt;
    }
    Key salted = salted_password(password_, *salt, static_cast<std::uint32_t>(iterations));
    const Key client_key = hmac256(salted, "Client Key");
    const Key stored_key = sha256(client_key);
    const Key server_key = hmac256(salted, "Server Key");
    OPENSSL_cleanse(salted.data(), salted.size());

    const std::string without_proof =
        "c=" + base64_encode(std::string_view("n,,")) + ",r=" + std::string(nonce);
    const std::string auth_message =
        client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    const Key client_signature = hmac256(stored_key, auth_message);
    Key proof{};
    for (std::size_t i = 0; i < proof.size(); ++i)
        proof[i] = client_key[i] ^ client_signature[i];
    server_signature_ = hmac256(server_key, auth_message);
    have_signature_ = true;
    return without_proof + ",p=" + base64_encode(proof);
}

bool ScramClient::verify_server_final(std::string_view server_final) {
    if (!have_signature_) return false;
    if (!server_final.starts_with("v=")) {
        error_ = server_final.starts_with("e=") ? "server error: " + std::string(server_final.substr(2))
                                                : "malformed server-final message";
        return false;
    }
    const auto sig = base64_decode(server_final.substr(2));
    if (!sig || sig->size() != server_signature_.size() ||
        CRYPTO_memcmp(sig->data(), server_signature_.data(), server_signature_.size()) != 0) {
        error_ = "server signature mismatch";
        return false;
    }
    return true;
}

}  // namespace tapmq::auth
