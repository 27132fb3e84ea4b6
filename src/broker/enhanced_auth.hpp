// MQTT 5 enhanced authentication (spec 4.12): the methods a listener offers, behind one small
// interface, so that a method is a class and not a branch in the connection's code.
//
// An Authenticator stands for one Authentication Method ("SCRAM-SHA-256") and is held by the
// listener's SecurityPolicy. For each CONNECT (or re-authentication) that names its method it
// makes an AuthExchange, which sees the client's Authentication Data one packet at a time:
// start() with the data of the CONNECT (or of AUTH 0x19), step() with that of each AUTH 0x18.
// Each call answers Continue (send AUTH 0x18 with this data), Success (CONNACK 0x00 or AUTH 0x00
// with this data; the user is authenticated) or Failure (CONNACK or DISCONNECT with the code).
// Exchanges keep what they need alive, so reloading the policy mid-exchange is safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/scram_file.hpp"
#include "mqtt/reason_code.hpp"

namespace tapmq::broker {

struct AuthStep {
    enum class Kind { Continue, Success, Failure };
    Kind kind = Kind::Failure;
    std::string data;      // Continue, Success: the server's Authentication Data (may be empty)
    std::string username;  // Success: the user ACLs see
    mqtt::ReasonCode code = mqtt::ReasonCode::NotAuthorized;  // Failure
    std::string reason;                                       // Failure: for the log (never a secret)

    static AuthStep next(std::string d) { return {Kind::Continue, std::move(d), {}, {}, {}}; }
    static AuthStep success(std::string d, std::string user) {
        return {Kind::Success, std::move(d), std::move(user), mqtt::ReasonCode::Success, {}};
    }
    static AuthStep failure(std::string why, mqtt::ReasonCode rc = mqtt::ReasonCode::NotAuthorized) {
        return {Kind::Failure, {}, {}, rc, std::move(why)};
    }
};

class AuthExchange {
  public:
    virtual ~AuthExchange() = default;
    virtual AuthStep start(std::string_view data) = 0;
    virtual AuthStep step(std::string_view data) = 0;
    // The user the client claims so far (for the log), empty when not known yet.
    virtual std::string claimed_user() const = 0;
};

class Authenticator {
  public:
    virtual ~Authenticator() = default;
    virtual std::string_view method() const noexcept = 0;
    virtual std::unique_ptr<AuthExchange> begin() const = 0;
};

// SCRAM-SHA-256 (RFC 5802, RFC 7677) against an auth_scram_file: client-first in CONNECT,
// server-first in AUTH 0x18, client-final in AUTH 0x18, server-final in CONNACK.
class ScramAuthenticator : public Authenticator {
  public:
    explicit ScramAuthenticator(std::shared_ptr<const auth::ScramFile> users) : users_(std::move(users)) {}
    std::string_view method() const noexcept override { return auth::ScramServer::kMechanism; }
    std::unique_ptr<AuthExchange> begin() const override;

  private:
    std::shared_ptr<const auth::ScramFile> users_;
};

}  // namespace tapmq::broker
