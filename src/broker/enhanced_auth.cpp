#include "enhanced_auth.hpp"

#include <algorithm>
#include <exception>

#include "mqtt/utf8.hpp"

namespace tapmq::broker {
namespace {

// A name that can be logged and matched: UTF-8 without control characters. The user file holds
// no other names, so refusing these early reveals nothing about who exists.
bool printable_name(std::string_view s) {
    return mqtt::is_valid_mqtt_utf8(s) && std::none_of(s.begin(), s.end(), [](char c) {
               const auto u = static_cast<unsigned char>(c);
               return u < 0x20 || u == 0x7F;
           });
}

class ScramExchange : public AuthExchange {
  public:
    explicit ScramExchange(std::shared_ptr<const auth::ScramFile> users)
        : server_([users](std::string_view user) { return users->find(user); }, std::string(),
                  users->typical_iterations()) {}

    // client-first -> server-first
    AuthStep start(std::string_view data) override {
        if (finished()) return AuthStep::failure("SCRAM exchange already finished");
        auth::ScramServer::Step s;
        try {
            s = server_.client_first(data);
        } catch (const std::exception& e) {  // crypto library failures
            return AuthStep::failure(std::string("SCRAM error: ") + e.what());
        }
        if (!s.ok) return AuthStep::failure("SCRAM: " + s.error);
        if (!printable_name(server_.username())) {
            bad_name_ = true;
            return AuthStep::failure("SCRAM: user name is not printable UTF-8");
        }
        return AuthStep::next(std::move(s.message));
    }

    // client-final -> server-final
    AuthStep step(std::string_view data) override {
        if (finished() || bad_name_) return AuthStep::failure("SCRAM exchange already finished");
        auth::ScramServer::Step s;
        try {
            s = server_.client_final(data);
        } catch (const std::exception& e) {
            return AuthStep::failure(std::string("SCRAM error: ") + e.what());
        }
        if (!s.ok) return AuthStep::failure("SCRAM: " + s.error);
        return AuthStep::success(std::move(s.message), server_.username());
    }

    std::string claimed_user() const override { return bad_name_ ? std::string() : server_.username(); }

  private:
    bool finished() const {
        return server_.state() == auth::ScramServer::State::Succeeded ||
               server_.state() == auth::ScramServer::State::Failed;
    }

    auth::ScramServer server_;
    bool bad_name_ = false;
};

}  // namespace

std::unique_ptr<AuthExchange> ScramAuthenticator::begin() const {
    return std::make_unique<ScramExchange>(users_);
}

}  // namespace tapmq::broker
