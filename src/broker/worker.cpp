#include "worker.hpp"

#include "connection.hpp"

namespace tapmq::broker {

void Worker::defer_flush(std::shared_ptr<Connection> c) {
    deferred_.push_back(std::move(c));
}

void Worker::flush_deferred() {
    // Flushing may defer more (a flush can complete synchronously and pump a session), so swap.
    while (!deferred_.empty()) {
        std::vector<std::shared_ptr<Connection>> batch;
        batch.swap(deferred_);
        for (auto& c : batch)
            c->flush();
    }
}

void Worker::kick_all(mqtt::ReasonCode reason) {
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(connections_.size());
    for (auto* c : connections_)
        all.push_back(c->shared_from_this());
    for (auto& c : all)
        c->kick(reason);
}

}  // namespace tapmq::broker
