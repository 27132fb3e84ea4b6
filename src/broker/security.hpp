// Authentication and authorisation for one listener: the four login modes (password file, anonymous,
// JWT in the password field, client certificate or TLS-PSK identity), the TLS-PSK keys, MQTT 5 enhanced
// authentication (SCRAM-SHA-256, see enhanced_auth.hpp) and Mosquitto's ACL file, checked on every path a
// message takes. A SecurityPolicy is immutable; SIGHUP loads a new one and swaps it in, so existing
// connections see reloaded ACLs at their next check.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/acl_file.hpp"
#include "auth/jwt.hpp"
#include "auth/password_file.hpp"
#include "auth/psk_file.hpp"
#include "config.hpp"
#include "enhanced_auth.hpp"
#include "mqtt/reason_code.hpp"

namespace tapmq::broker {

struct SecurityPolicy {
    bool allow_anonymous = false;
    std::shared_ptr<const auth::PasswordFile> passwords;  // null = no password file
    std::shared_ptr<const auth::AclFile> acl;             // null = no ACL: everything allowed
    std::shared_ptr<const auth::JwtVerifier> jwt;         // null = no JWT login
    std::shared_ptr<const auth::PskFile> psk;             // TLS-PSK keys; null = no psk_file
    // Enhanced authentication methods offered (CONNECT with an Authentication Method).
    std::vector<std::shared_ptr<const Authenticator>> authenticators;

    // The authenticator for `method`, or null when the listener does not offer it.
    const Authenticator* find_authenticator(std::string_view method) const;

    // Loads the files a listener's security settings name. Throws std::runtime_error naming the
    // file and line (AuthFileError) or the JWT key problem.
    static std::shared_ptr<const SecurityPolicy> load(const SecurityConfig& c);
};
using SecurityPolicyPtr = std::shared_ptr<const SecurityPolicy>;

// The policy in force on a listener (swapped on reload).
class PolicySlot {
  public:
    SecurityPolicyPtr get() const { return policy_.load(std::memory_order_acquire); }
    void set(SecurityPolicyPtr p) { policy_.store(std::move(p), std::memory_order_release); }

  private:
    std::atomic<SecurityPolicyPtr> policy_;
};

// Who a client is, once logged in, and what it may do. Kept by its session so that messages
// queued while it is offline are judged with the same identity. Clients that log in while their
// listener has no ACL file (nor token limits) get none; a reload that adds an ACL file gives one
// to each of them (Connection::policy_reloaded).
class ClientAccess {
  public:
    // `listener` names the listener the client came through ("port 1883"): check_retain_source
    // stores it with a retained message to find the same policy after a restart.
    ClientAccess(const PolicySlot& slot, std::optional<std::string> username, std::string client_id,
                 std::string listener)
        : slot_(slot),
          username_(std::move(username)),
          client_id_(std::move(client_id)),
          listener_(std::move(listener)) {}

    // Topic limits carried by a JWT (its publish/subscribe claims), on top of the ACL.
    void restrict_by_token(std::optional<std::vector<std::string>> pub,
                           std::optional<std::vector<std::string>> sub) {
        token_pub_ = std::move(pub);
        token_sub_ = std::move(sub);
    }

    bool can_publish(std::string_view topic) const;
    bool can_subscribe(std::string_view filter) const;
    bool can_read(std::string_view topic) const;  // every delivery, the message's topic name

    const std::optional<std::string>& username() const noexcept { return username_; }
    const std::string& client_id() const noexcept { return client_id_; }
    const std::string& listener() const noexcept { return listener_; }

  private:
    const PolicySlot& slot_;
    std::optional<std::string> username_;
    std::string client_id_;
    std::string listener_;
    std::optional<std::vector<std::string>> token_pub_;
    std::optional<std::vector<std::string>> token_sub_;
};
using ClientAccessPtr = std::shared_ptr<const ClientAccess>;

// The outcome of a login.
struct LoginResult {
    mqtt::ReasonCode code = mqtt::ReasonCode::Success;
    std::string reason;                   // for the log (never a password)
    std::optional<std::string> username;  // the user name ACLs see
    std::optional<std::vector<std::string>> token_pub, token_sub;
    std::optional<std::int64_t> token_expiry;  // a JWT login's "exp" (Unix seconds): the login ends then
};

// Checks CONNECT credentials against the policy. `certificate_user` is set when a verified client
// certificate already named the user (use_identity_as_username).
LoginResult login(const SecurityPolicy& policy, std::optional<std::string_view> username,
                  std::optional<std::string_view> password, std::optional<std::string> certificate_user);

// Slows down repeated login failures from one address: each failure within the window doubles the
// delay before the refusal is sent (100 ms, 200 ms, ... up to 10 s).
class LoginThrottle {
  public:
    std::chrono::milliseconds record_failure(const std::string& address);
    void record_success(const std::string& address);

  private:
    struct Entry {
        unsigned failures = 0;
        std::chrono::steady_clock::time_point last{};
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> by_address_;
};

}  // namespace tapmq::broker
