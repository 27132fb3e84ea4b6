// Per-channel FIFOs of requests (dispatcher.hpp).
#include "dispatcher.hpp"

#include <memory>

namespace tapmq::relay::runtime {

bool Dispatcher::enqueue(const std::string& channel, Job job) {
    auto& q = queues_[channel];
    if (q.jobs.size() >= max_queued_) return false;
    q.jobs.push_back(std::move(job));
    if (!q.running) {
        q.running = true;
        start(channel);
    }
    return true;
}

void Dispatcher::start(const std::string& channel) {
    boost::asio::post(io_, [this, alive = alive_, channel] {
        if (!*alive) return;
        auto it = queues_.find(channel);
        if (it == queues_.end() || it->second.jobs.empty()) return;
        Job job = std::move(it->second.jobs.front());
        it->second.jobs.pop_front();
        auto once = std::make_shared<bool>(false);
        job([this, alive, channel, once] {
            if (!*alive || *once) return;
            *once = true;
            finished(channel);
        });
    });
}

void Dispatcher::finished(const std::string& channel) {
    auto it = queues_.find(channel);
    if (it == queues_.end()) return;
    if (it->second.jobs.empty()) {
        queues_.erase(it);  // idle channels cost nothing
        return;
    }
    start(channel);
}

std::size_t Dispatcher::queued() const noexcept {
    std::size_t n = 0;
    for (const auto& [_, q] : queues_)
        n += q.jobs.size();
    return n;
}

}  // namespace tapmq::relay::runtime
