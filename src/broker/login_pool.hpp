// The threads that check logins: password hashing (argon2id takes tens of milliseconds and 46 MiB,
// PBKDF2 thousands of HMACs) and JWT signatures run here, never on a worker's event loop, so one
// slow login does not stall every other client of that worker. The connection waits (reading
// nothing more) and resumes on its own worker when the answer comes back.
#pragma once

#include <functional>

#include "security.hpp"
#include "util/asio.hpp"

namespace tapmq::broker {

class LoginPool {
  public:
    explicit LoginPool(unsigned threads);
    ~LoginPool();  // waits for the checks under way; those not started are dropped
    LoginPool(const LoginPool&) = delete;
    LoginPool& operator=(const LoginPool&) = delete;

    // Runs `check` on a pool thread, then `done` with its result on `home` (the connection's
    // worker context, which is kept running until then). An exception from `check` (std::bad_alloc)
    // becomes a refusal with reason ServerUnavailable.
    void submit(boost::asio::io_context& home, std::function<LoginResult()> check,
                std::function<void(LoginResult)> done);

  private:
    boost::asio::thread_pool pool_;
};

}  // namespace tapmq::broker
