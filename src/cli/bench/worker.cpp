#include "worker.hpp"

#include "run_context.hpp"

namespace tapmq::cli::bench {

Worker::Worker(unsigned index) : index_(index), guard_(io_.get_executor()), ticker_(io_) {}

Worker::~Worker() {
    if (thread_.joinable()) {
        io_.stop();
        thread_.join();
    }
}

void Worker::start() {
    thread_ = std::thread([this] {
        io_.run();
        done_.store(true);
    });
}

void Worker::start_ticker(Tick tick) {
    tick_ = std::move(tick);
    ticking_ = true;
    ticker_.expires_after(std::chrono::milliseconds(1));
    arm();
}

void Worker::arm() {
    ticker_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !ticking_) return;
        tick_(now_ns());
        // Fixed rate, but never a burst of missed ticks after a stall.
        ticker_.expires_at(
            std::max(ticker_.expiry() + std::chrono::milliseconds(1), std::chrono::steady_clock::now()));
        arm();
    });
}

void Worker::stop_ticker() {
    post([this] {
        ticking_ = false;
        ticker_.cancel();
    });
}

void Worker::finish(std::chrono::milliseconds grace) {
    if (!thread_.joinable()) return;
    guard_.reset();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!done_.load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!done_.load()) io_.stop();
    thread_.join();
}

}  // namespace tapmq::cli::bench
