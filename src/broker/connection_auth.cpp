// MQTT 5 enhanced authentication on a connection (spec 4.12): the exchange at CONNECT and
// re-authentication afterwards. The methods themselves are Authenticators (enhanced_auth.hpp).
// Also the end of a login that expires (a JWT's "exp").
#include <spdlog/spdlog.h>

#include "broker.hpp"
#include "connection.hpp"
#include "listener_settings.hpp"
#include "log_text.hpp"
#include "mqtt/decoder.hpp"

namespace tapmq::broker {
namespace {

using mqtt::ReasonCode;

// More round trips than any method offered needs: a client that keeps the exchange going is refused.
constexpr unsigned kMaxAuthSteps = 8;

std::string_view data_of(const mqtt::Properties& p) {
    return p.authentication_data.value_or(std::string_view{});
}

}  // namespace

void Connection::send_auth(ReasonCode rc, std::string_view data) {
    mqtt::Auth a;
    a.reason = rc;
    a.properties.authentication_method = auth()->method;
    if (!data.empty()) a.properties.authentication_data = data;
    send(a);
}

void Connection::begin_enhanced_auth(const mqtt::Connect& c, std::string_view bytes) {
    extras().auth = std::make_unique<EnhancedAuth>();
    auth()->method = std::string(*c.properties.authentication_method);
    auto policy = listener_.security.get();
    const Authenticator* authenticator = policy->find_authenticator(auth()->method);
    if (authenticator == nullptr) {
        const std::string why = "authentication method '" + auth()->method + "' is not offered";
        return refuse(ReasonCode::BadAuthenticationMethod, why.c_str());
    }
    auth()->exchange = authenticator->begin();
    auth()->steps = 1;
    AuthStep r = auth()->exchange->start(data_of(c.properties));
    set_username(auth()->exchange->claimed_user());
    switch (r.kind) {
        case AuthStep::Kind::Failure:
            auth()->exchange.reset();
            return refuse_login(r.code, r.reason);
        case AuthStep::Kind::Success: {
            auth()->exchange.reset();
            LoginResult login_result;
            login_result.username = std::move(r.username);
            return complete_connect(c, std::move(login_result), std::move(r.data));
        }
        case AuthStep::Kind::Continue:
            // The CONNECT's views point into the input buffer: keep the packet itself for later.
            auth()->pending_connect.assign(bytes);
            state_ = State::Authenticating;
            send_auth(ReasonCode::ContinueAuthentication, r.data);
            return;  // the CONNECT deadline, from the connection's start, still runs
    }
}

void Connection::on_auth_while_connecting(const mqtt::Auth& a) {
    if (a.reason != ReasonCode::ContinueAuthentication) {
        return fail(ReasonCode::ProtocolError,
                    "AUTH during authentication with reason " + std::string(mqtt::to_string(a.reason)));
    }
    if (a.properties.authentication_method != std::string_view(auth()->method)) {
        return fail(ReasonCode::ProtocolError, "AUTH with another authentication method");
    }
    if (++auth()->steps > kMaxAuthSteps) {
        auth()->exchange.reset();
        return refuse_login(ReasonCode::NotAuthorized, "too many authentication steps");
    }
    AuthStep r = auth()->exchange->step(data_of(a.properties));
    if (const std::string claimed = auth()->exchange->claimed_user(); !claimed.empty()) set_username(claimed);
    switch (r.kind) {
        case AuthStep::Kind::Failure:
            auth()->exchange.reset();
            return refuse_login(r.code, r.reason);
        case AuthStep::Kind::Continue:
            send_auth(ReasonCode::ContinueAuthentication, r.data);
            return;
        case AuthStep::Kind::Success:
            break;
    }
    auth()->exchange.reset();
    // Decode the kept CONNECT again (it was valid the first time) and go on as after a login.
    const std::string connect_bytes = std::move(auth()->pending_connect);
    auth()->pending_connect.clear();
    const auto header = mqtt::parse_fixed_header(connect_bytes, mqtt::kMaxPacketSize);
    mqtt::Packet packet =
        mqtt::decode_packet(*header, std::string_view(connect_bytes).substr(header->header_size), version_);
    auto& c = std::get<mqtt::Connect>(packet);
    LoginResult login_result;
    login_result.username = std::move(r.username);
    complete_connect(c, std::move(login_result), std::move(r.data));
}

void Connection::on_reauth(const mqtt::Auth& a) {
    if (!auth() || auth()->method.empty()) {
        // Spec 4.12.0-7: no Authentication Method at CONNECT, no AUTH afterwards.
        return fail(ReasonCode::ProtocolError, "AUTH without an authentication method");
    }
    if (a.properties.authentication_method != std::string_view(auth()->method)) {
        return fail(ReasonCode::ProtocolError, "AUTH with another authentication method");  // 4.12.1-1
    }
    AuthStep r;
    if (a.reason == ReasonCode::ReAuthenticate && !auth()->exchange) {
        auto policy = listener_.security.get();
        const Authenticator* authenticator = policy->find_authenticator(auth()->method);
        if (authenticator == nullptr) {
            return fail(ReasonCode::BadAuthenticationMethod, "authentication method no longer offered");
        }
        auth()->exchange = authenticator->begin();
        auth()->steps = 1;
        r = auth()->exchange->start(data_of(a.properties));
    } else if (a.reason == ReasonCode::ContinueAuthentication && auth()->exchange) {
        if (++auth()->steps > kMaxAuthSteps) {
            r = AuthStep::failure("too many authentication steps");
        } else {
            r = auth()->exchange->step(data_of(a.properties));
        }
    } else {
        return fail(ReasonCode::ProtocolError,
                    "AUTH with reason " + std::string(mqtt::to_string(a.reason)) +
                        (auth()->exchange ? " during re-authentication" : " outside re-authentication"));
    }
    switch (r.kind) {
        case AuthStep::Kind::Continue:
            send_auth(ReasonCode::ContinueAuthentication, r.data);
            return;
        case AuthStep::Kind::Success:
            auth()->exchange.reset();
            if (r.username != username()) {
                r = AuthStep::failure("re-authenticated as another user");
                break;
            }
            spdlog::info("Client {} re-authenticated (u'{}').", describe(), loggable(username()));
            send_auth(ReasonCode::Success, r.data);
            return;
        case AuthStep::Kind::Failure:
            break;
    }
    const std::string claimed = auth()->exchange ? auth()->exchange->claimed_user() : username();
    auth()->exchange.reset();
    broker_.login_throttle().record_failure(remote_ip());
    spdlog::warn("Re-authentication failed for client {} (user '{}') from {}: {}.", loggable(client_id()),
                 loggable(claimed), remote_, r.reason);
    fail(ReasonCode::NotAuthorized, "re-authentication failed");
}

void Connection::end_login_at(std::int64_t unix_seconds) {
    // JWT logins come through the password field, never through an Authentication Method, so the
    // client cannot be asked to re-authenticate: v5 clients get DISCONNECT 0x87, 3.x clients are
    // closed. The connection's one-off timer is free once connected (close_now cancels it).
    const auto deadline = std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
    timer().expires_after(deadline - std::chrono::system_clock::now());
    timer().async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state_ != State::Connected) return;
        self->fail(ReasonCode::NotAuthorized, "its login token (JWT) has expired");
    });
}

}  // namespace tapmq::broker
