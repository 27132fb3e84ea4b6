#include "scram_auth.hpp"

#include "auth/scram.hpp"

namespace tapmq::cli {
namespace {

class ScramAuth : public client::EnhancedAuth {
  public:
    ScramAuth(std::string username, std::string password)
        : scram_(std::move(username), std::move(password)) {}

    std::string method() const override { return std::string(auth::ScramServer::kMechanism); }
    std::string initial_data() override { return scram_.client_first(); }
    std::optional<std::string> respond(std::string_view server_data) override {
        if (answered_) {
            error_ = "the broker asked for a second SCRAM step";
            return std::nullopt;
        }
        answered_ = true;
        auto final_message = scram_.client_final(server_data);
        if (!final_message) error_ = scram_.error();
        return final_message;
    }
    bool verify_success(std::string_view server_data) override {
        if (scram_.verify_server_final(server_data)) return true;
        error_ = answered_ ? scram_.error() : "the broker skipped the SCRAM exchange";
        return false;
    }
    std::string error() const override { return error_; }

  private:
    auth::ScramClient scram_;
    bool answered_ = false;
    std::string error_;
};

}  // namespace

std::shared_ptr<client::EnhancedAuth> make_scram_auth(std::string username, std::string password) {
    return std::make_shared<ScramAuth>(std::move(username), std::move(password));
}

}  // namespace tapmq::cli
