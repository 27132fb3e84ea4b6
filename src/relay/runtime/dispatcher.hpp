// Serves requests concurrently while keeping each requester's answers in order: one FIFO per reply
// channel, each running one job at a time; a job says when it is finished (it may finish later,
// from another handler: a real probe can be slow), and only that channel waits for it. Jobs start
// from a posted handler, so a burst on one channel interleaves with the others.
//
// Single-threaded: call it from its io_context's thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "util/asio.hpp"

namespace tapmq::relay::runtime {

class Dispatcher {
  public:
    using Done = std::function<void()>;
    using Job = std::function<void(Done done)>;

    explicit Dispatcher(boost::asio::io_context& io, std::size_t max_queued_per_channel = 256)
        : io_(io), max_queued_(max_queued_per_channel) {}
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;
    ~Dispatcher() { *alive_ = false; }

    // False (the job dropped) when the channel already holds max_queued jobs.
    bool enqueue(const std::string& channel, Job job);

    std::size_t channels() const noexcept { return queues_.size(); }
    std::size_t queued() const noexcept;

  private:
    struct Queue {
        std::deque<Job> jobs;
        bool running = false;
    };
    void start(const std::string& channel);
    void finished(const std::string& channel);

    boost::asio::io_context& io_;
    std::size_t max_queued_;
    std::unordered_map<std::string, Queue> queues_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tapmq::relay::runtime
