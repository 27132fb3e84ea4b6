// Write-through persistence with write-ahead ordering (persistence true).
//
// Every change to durable state (a session, a subscription, a retained message, a message queued or in
// flight for a persistent session, a QoS 2 packet id) is recorded in the change set ("scope") of the
// thread making it. A scope gets a sequence number when it opens and is submitted to the store's group
// commit when it closes. Bytes that must not reach a client before the state behind them is durable
// (a PUBACK/PUBREC/PUBCOMP, a delivery to a persistent session) carry the scope's number: the
// connection holds them back until every scope up to that number is durable. So an acknowledged
// message is always on disk, and nothing is sent that a restart would not know about (which is what
// rules out a QoS 2 duplicate after a crash).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "message.hpp"
#include "persist/store.hpp"

namespace tapmq::broker {

class Durability {
  public:
    explicit Durability(std::unique_ptr<persist::Store> store) : store_(std::move(store)) {}
    ~Durability();

    // All scopes numbered up to this one are durable.
    std::uint64_t durable() const noexcept { return durable_.load(std::memory_order_acquire); }
    // Calls f (on the store's writer thread, or at once) when scope `seq` and all before it are durable.
    void when_durable(std::uint64_t seq, std::function<void()> f);

    // The change set of the current thread: opened by Scope, reached by the code that changes state.
    class Scope {
      public:
        explicit Scope(Durability* d);  // null: persistence off, the scope does nothing
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        std::uint64_t seq() const noexcept { return seq_; }

      private:
        friend class Durability;
        Durability* d_;
        Scope* outer_;
        std::uint64_t seq_ = 0;
        persist::Batch batch_;
    };
    // The batch of the innermost open scope on this thread (null when none: the caller then writes
    // a batch of its own through submit()).
    static persist::Batch* batch() noexcept;
    // The sequence number bytes sent now must wait for (0 when nothing is pending on this thread).
    static std::uint64_t current_seq() noexcept;
    // Writes a batch outside any scope (e.g. an acknowledgement received): nothing waits on it.
    void submit(persist::Batch&& b);
    // Runs f(batch) on the thread's open scope, or on a batch of its own submitted at once.
    template <typename F>
    void write(F&& f) {
        if (persist::Batch* b = batch()) {
            f(*b);
            return;
        }
        persist::Batch own;
        f(own);
        submit(std::move(own));
    }

    // A message record, written once however many sessions reference it, erased with the last one.
    void reference(const Message& m, persist::Batch& b);
    void unreference(const Message& m, persist::Batch& b);
    std::uint64_t next_message_id() noexcept {
        return next_message_id_.fetch_add(1, std::memory_order_relaxed);
    }
    void seed_message_ids(std::uint64_t after) noexcept { next_message_id_.store(after + 1); }

    persist::Store& store() noexcept { return *store_; }
    static persist::StoredMessage to_stored(const Message& m, std::uint64_t id);
    // A steady-clock time as Unix milliseconds (what the store keeps: it outlives the process).
    static std::int64_t to_unix_ms(Clock::time_point t);

  private:
    void completed(std::uint64_t seq);

    std::unique_ptr<persist::Store> store_;
    std::atomic<std::uint64_t> next_message_id_{1};
    std::mutex mutex_;
    std::uint64_t next_seq_ = 1;
    std::set<std::uint64_t> done_early_;  // completed, but an earlier scope is still open or in flight
    std::atomic<std::uint64_t> durable_{0};
    std::multimap<std::uint64_t, std::function<void()>> waiters_;
};

}  // namespace tapmq::broker
