// Write-through persistence with write-ahead ordering (persistence true).
//
// Every change to durable state (a session, a subscription, a retained message, a message queued or in
// flight for a persistent session, a QoS 2 packet id) is recorded in the change set ("scope") of the
// thread making it. A scope gets a sequence number when it opens and is submitted to the store's group
// commit when it closes. Bytes sent to a client carry the number of the scope that produced them, and
// the connection holds them back until every scope up to that number is
// - durable, for bytes that speak of durable state: a PUBACK/PUBREC/PUBCOMP, a PUBREL, a QoS 2
//   delivery. So an acknowledged message is always on disk, and no QoS 2 message is sent that a
//   restart would not know about (which rules out a QoS 2 duplicate after a crash);
// - submitted, for QoS 0 and 1 deliveries. Whatever the client answers (a PUBACK, which erases the
//   queue record) is then written after the records it answers, and a delivery acknowledged before
//   its group commit lets the store drop the message's records altogether (persist::GroupCommit).
//   After a crash, such a message may be delivered again: QoS 1 allows it.
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

    // Shutdown, once the workers have stopped and before their contexts go: waits for everything
    // submitted, so that the callbacks it brings run now, and drops those that still wait. Their
    // captures (connections, bridges) own timers on the worker contexts; released later, on the
    // store's writer thread, they would outlive those contexts.
    void drain() noexcept;

    // All scopes numbered up to this one are durable.
    std::uint64_t durable() const noexcept { return durable_.value.load(std::memory_order_acquire); }
    // All scopes numbered up to this one are submitted to the store (or durable).
    std::uint64_t submitted() const noexcept { return submitted_.value.load(std::memory_order_acquire); }
    // Calls f (on the store's writer thread, or at once) when scope `seq` and all before it are durable.
    void when_durable(std::uint64_t seq, std::function<void()> f) { wait(durable_, seq, std::move(f)); }
    // Calls f (on the thread closing a scope, or at once) when scope `seq` and all before it are
    // submitted.
    void when_submitted(std::uint64_t seq, std::function<void()> f) { wait(submitted_, seq, std::move(f)); }

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
    // The same as views into `m` (valid while `m` is).
    static persist::MessageView to_view(const Message& m, std::uint64_t id);
    // A steady-clock time as Unix milliseconds (what the store keeps: it outlives the process).
    static std::int64_t to_unix_ms(Clock::time_point t);

  private:
    // "Every scope up to `value` has reached this point", advanced as scopes reach it in any order.
    struct Watermark {
        std::atomic<std::uint64_t> value{0};
        std::set<std::uint64_t> early;  // reached, but an earlier scope has not
        std::multimap<std::uint64_t, std::function<void()>> waiters;
    };
    void wait(Watermark& w, std::uint64_t seq, std::function<void()> f);
    // Marks `seq` (under mutex_) and moves the callbacks now due into `ready`.
    static void reach(Watermark& w, std::uint64_t seq, std::vector<std::function<void()>>& ready);
    void submitted(std::uint64_t seq);
    void completed(std::uint64_t seq);

    std::unique_ptr<persist::Store> store_;
    std::atomic<std::uint64_t> next_message_id_{1};
    std::mutex mutex_;
    std::uint64_t next_seq_ = 1;
    Watermark submitted_;
    Watermark durable_;
};

}  // namespace tapmq::broker
