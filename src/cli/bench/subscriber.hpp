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
#include "worker.hpp"

namespace tapmq::cli::bench {

class Subscriber {
  public:
    // `publishers` is indexed by publisher id. In a shared subscription each member sees only part of
    // each publisher's sequence: gaps are expected, and every message is credited as it comes.
    Subscriber(RunContext& ctx, Worker& worker, std::uint32_t id, std::string filter,
               const std::vector<std::unique_ptr<Publisher>>& publishers, bool shared);

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
    const bool shared_;
    std::shared_ptr<client::Client> client_;
    std::vector<std::uint64_t> next_seq_;  // per publisher: the sequence number expected next
    std::vector<std::uint64_t> gaps_;      // per publisher: skipped numbers not yet seen
};

}  // namespace tapmq::cli::bench
