// The Tap's own application (`--app-hook EXEC`): a verified packet from <prefix>/app/in is written to
// the standard input of a fresh EXEC process; what it writes to standard output before exiting is
// the answer (published sealed on <prefix>/app/out; nothing when it writes nothing). Bounded: the
// process is killed after `timeout`, and more than `max_output` bytes of output is an error. At most
// `max_running` hooks run at once; packets beyond that are refused (the caller logs and counts).
//
// Single-threaded: call it from its io_context's thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "util/asio.hpp"

namespace tapmq::relay::runtime {

struct AppHookOptions {
    std::string executable;
    std::chrono::milliseconds timeout{5000};
    std::size_t max_output = 64 * 1024;
    std::size_t max_running = 4;
};

class AppHook {
  public:
    // ok: the answer (maybe empty); otherwise `error` says what went wrong (exit status, timeout...).
    using Done = std::function<void(bool ok, std::string answer, std::string error)>;

    AppHook(boost::asio::io_context& io, AppHookOptions o) : io_(io), options_(std::move(o)) {}
    ~AppHook() { *alive_ = false; }

    // False when max_running hooks are running (then `done` is never called).
    bool run(std::string packet, Done done);
    std::size_t running() const noexcept { return running_; }

  private:
    boost::asio::io_context& io_;
    AppHookOptions options_;
    std::size_t running_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tapmq::relay::runtime
