// One benchmark subscriber: checks every message's sequence number against its publisher's (loss,
// duplicates, reordering), records its latency, and credits the publisher's delivery window.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "publisher.hpp"
#include "run_context.hpp"
#include "sequence_tracker.hpp"
#include "worker.hpp"

namespace tapmq::cli::bench {

class Subscriber {
  public:
    // `publishers` is indexed by publisher id. In a shared subscription each member sees only part of
    // each publisher's sequence: the members record into one `group` of trackers (per publisher),
    // so that the group as a whole must see every number exactly once.
    Subscriber(RunContext& ctx, Worker& worker, std::uint32_t id, std::string filter,
               const std::vector<std::unique_ptr<Publisher>>& publishers,
               std::vector<SharedSequenceTracker>* group = nullptr);

    Worker& worker() noexcept { return worker_; }

    // --- on the subscriber's worker thread ---
    void connect();  // connects, then subscribes; counts as ready on SUBACK
    void stop();

  private:
    void on_message(const mqtt::Publish& p);

    RunContext& ctx_;
    Worker& worker_;
    WorkerStats& stats_;
    const std::uint32_t id_;
    const std::string filter_;
    const std::vector<std::unique_ptr<Publisher>>& publishers_;
    std::vector<SharedSequenceTracker>* const group_;  // shared subscription: per publisher
    std::shared_ptr<client::Client> client_;
    std::vector<SequenceTracker> own_;        // otherwise: per publisher
    std::vector<std::uint64_t> member_next_;  // shared: per publisher, one past the highest seen here
};

}  // namespace tapmq::cli::bench
