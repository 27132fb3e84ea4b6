// LoginPool: see login_pool.hpp.
#include "login_pool.hpp"

#include <exception>
#include <string>
#include <utility>

namespace tapmq::broker {

LoginPool::LoginPool(unsigned threads) : pool_(threads) {}

LoginPool::~LoginPool() {
    pool_.stop();
    pool_.join();
}

void LoginPool::submit(boost::asio::io_context& home, std::function<LoginResult()> check,
                       std::function<void(LoginResult)> done) {
    boost::asio::post(pool_, [guard = boost::asio::make_work_guard(home), check = std::move(check),
                              done = std::move(done)]() mutable {
        LoginResult r;
        try {
            r = check();
        } catch (const std::exception& e) {
            r = {mqtt::ReasonCode::ServerUnavailable,
                 std::string("login check failed: ") + e.what(),
                 {},
                 {},
                 {},
                 {}};
        }
        boost::asio::post(guard.get_executor(),
                          [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
    });
}

}  // namespace tapmq::broker
