// SCRAM-SHA-256 (RFC 5802, RFC 7677) for MQTT 5 enhanced authentication.
//
// MQTT 5 mapping (the broker's part): CONNECT carries Authentication Method "SCRAM-SHA-256" and
// the client-first message as Authentication Data; the broker answers AUTH (0x18, continue) with
// the server-first message; the client sends AUTH (0x18) with the client-final message; the broker
// answers CONNACK 0x00 with the server-final message ("v=...") as Authentication Data, or CONNACK
// 0x87/0x86 on failure (the "e=..." text may be sent as Authentication Data or just dropped).
//
// Limits: no channel binding ("n" and "y" flags are accepted, "p=" is refused), no SASLprep
// (names and passwords are compared as the bytes sent; ASCII ones behave as the RFC says), no
// authorisation identity other than the user itself, messages of at most 4096 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tapmq::auth {

// What the server stores for a user (RFC 5802 section 3): never the password itself.
struct ScramCredentials {
    std::vector<std::uint8_t> salt;
    std::uint32_t iterations = 4096;
    std::array<std::uint8_t, 32> stored_key{};  // H(HMAC(SaltedPassword, "Client Key"))
    std::array<std::uint8_t, 32> server_key{};  // HMAC(SaltedPassword, "Server Key")

    // SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations). Throws std::invalid_argument
    // for an empty salt or iterations == 0.
    static ScramCredentials from_password(std::string_view password, std::span<const std::uint8_t> salt,
                                          std::uint32_t iterations = 4096);
    // With a fresh random 16-byte salt.
    static ScramCredentials from_password(std::string_view password, std::uint32_t iterations = 4096);
};

// Returns the credentials of `username`, or nullopt when unknown.
using ScramLookup = std::function<std::optional<ScramCredentials>(std::string_view username)>;

class ScramServer {
  public:
    static constexpr std::string_view kMechanism = "SCRAM-SHA-256";
    static constexpr std::size_t kMaxMessage = 4096;

    enum class State { ExpectClientFirst, ExpectClientFinal, Succeeded, Failed };

    struct Step {
        bool ok = false;
        // ok: the message to send (server-first, then server-final "v=<signature>").
        // !ok: the server-final error message "e=<server-error-value>" (RFC 5802 section 7).
        std::string message;
        // !ok: a readable reason for the broker's log (never contains proofs or keys).
        std::string error;
    };

    // `server_nonce`: the server's part of the nonce; a fresh random one when empty (give one
    // only in tests). Unknown users are not revealed: they get made-up credentials that are
    // stable per user name (within the process) and fail with "invalid-proof" at the end.
    explicit ScramServer(ScramLookup lookup, std::string server_nonce = {});
    // `unknown_user_iterations`: the iteration count the made-up credentials of unknown users
    // claim; give the count real users have, so that it does not tell them apart.
    ScramServer(ScramLookup lookup, std::string server_nonce, std::uint32_t unknown_user_iterations);

    // "n,,n=user,r=nonce" -> "r=nonce+snonce,s=salt,i=iterations"
    Step client_first(std::string_view message);
    // "c=biws,r=nonce+snonce,p=proof" -> "v=signature"
    Step client_final(std::string_view message);

    State state() const noexcept { return state_; }
    bool authenticated() const noexcept { return state_ == State::Succeeded; }
    // The authenticated (or claimed, before the end) user name, decoded from "n=".
    const std::string& username() const noexcept { return username_; }

  private:
    Step fail(std::string_view code, std::string why);

    ScramLookup lookup_;
    std::string server_nonce_;
    State state_ = State::ExpectClientFirst;
    std::string username_;
    std::string gs2_header_;
    std::string client_first_bare_;
    std::string server_first_;
    std::string nonce_;
    ScramCredentials creds_;
    bool known_user_ = false;
    std::uint32_t unknown_user_iterations_ = 4096;
};

// The client side, for tests and for tapmq's own client tools.
class ScramClient {
  public:
    // `client_nonce`: random when empty.
    ScramClient(std::string username, std::string password, std::string client_nonce = {});
    std::string client_first();
    // nullopt (with error()) when the server-first message is malformed or its nonce does not
    // extend ours, or iterations are below `min_iterations`.
    std::optional<std::string> client_final(std::string_view server_first,
                                            std::uint32_t min_iterations = 4096);
    // True when the server-final message carries the expected server signature.
    bool verify_server_final(std::string_view server_final);
    const std::string& error() const noexcept { return error_; }

  private:
    std::string username_;
    std::string password_;
    std::string nonce_;
    std::string client_first_bare_;
    std::array<std::uint8_t, 32> server_signature_{};
    bool have_signature_ = false;
    std::string error_;
};

}  // namespace tapmq::auth
