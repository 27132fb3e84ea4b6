#include "enhanced_auth.hpp"

#include <exception>

namespace tapmq::broker {
namespace {

class ScramExchange : public AuthExchange {
  public:
    explicit ScramExchange(std::shared_ptr<const auth::ScramFile> users)
        : server_([users = std::move(users)](std::string_view user) { return users->find(user); }) {}

    AuthStep start(std::string_view data) override {
        return answer(
            data, [this](std::string_view d) { return server_.client_first(d); }, false);
    }
    AuthStep step(std::string_view data) override {
        return answer(
            data, [this](std::string_view d) { return server_.client_final(d); }, true);
    }
    std::string claimed_user() const override { return server_.username(); }

  private:
    template <typename F>
    AuthStep answer(std::string_view data, F&& call, bool last) {
        if (server_.state() == auth::ScramServer::State::Succeeded ||
            server_.state() == auth::ScramServer::State::Failed) {
            return AuthStep::failure("SCRAM exchange already finished");
        }
        auth::ScramServer::Step s;
        try {
            s = call(data);
        } catch (const std::exception& e) {  // crypto library failures
            return AuthStep::failure(std::string("SCRAM error: ") + e.what());
        }
        if (!s.ok) return AuthStep::failure("SCRAM: " + s.error);
        if (!last) return AuthStep::next(std::move(s.message));
        return AuthStep::success(std::move(s.message), server_.username());
    }

    auth::ScramServer server_;
};

}  // namespace

std::unique_ptr<AuthExchange> ScramAuthenticator::begin() const {
    return std::make_unique<ScramExchange>(users_);
}

}  // namespace tapmq::broker
