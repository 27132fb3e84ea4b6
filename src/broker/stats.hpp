// Broker-wide counters, updated from every worker thread and read by $SYS and GET /metrics
// (through metrics.hpp's snapshot).
//
// Each counter is striped: a thread adds to its own cache line, and a read sums the stripes. Shared
// atomics would bounce one cache line between cores on every message.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace tapmq::broker {

class StripedCounter {
  public:
    void add(std::uint64_t n) noexcept { slots_[slot()].v.fetch_add(n, std::memory_order_relaxed); }
    void sub(std::uint64_t n) noexcept { slots_[slot()].v.fetch_sub(n, std::memory_order_relaxed); }
    std::uint64_t get() const noexcept {
        std::uint64_t sum = 0;
        for (const auto& s : slots_)
            sum += s.v.load(std::memory_order_relaxed);
        return sum;  // stripes may wrap individually (sub on another thread); the sum is right
    }
    void set_at_least(std::uint64_t v) noexcept {
        const std::uint64_t now = get();
        if (v > now) add(v - now);
    }

  private:
    static constexpr std::size_t kSlots = 16;
    struct alignas(64) Slot {
        std::atomic<std::uint64_t> v{0};
    };
    static std::size_t slot() noexcept {
        static std::atomic<std::size_t> next{0};
        thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kSlots;
        return mine;
    }
    std::array<Slot, kSlots> slots_{};
};

struct Stats {
    using Counter = StripedCounter;
    Counter clients_connected;
    Counter clients_total;  // sessions known (connected + disconnected persistent)
    Counter clients_maximum;
    Counter clients_expired;
    Counter messages_received;
    Counter messages_sent;
    Counter publish_received;
    Counter publish_sent;
    Counter publish_received_qos[3];  // by the QoS of the PUBLISH
    Counter publish_sent_qos[3];
    Counter publish_dropped;   // dropped for queue/buffer limits
    Counter messages_queued;   // gauge: messages waiting in session queues (not yet in flight)
    Counter retained_dropped;  // not retained: max_retained_messages / max_retained_bytes
    Counter bytes_received;
    Counter bytes_sent;
    Counter subscriptions;
    Counter retained_messages;
    Counter connections_refused;
    Counter connections_accepted;

    static void add(Counter& c, std::uint64_t n = 1) noexcept { c.add(n); }
    static void sub(Counter& c, std::uint64_t n = 1) noexcept { c.sub(n); }
    static std::uint64_t get(const Counter& c) noexcept { return c.get(); }
};

}  // namespace tapmq::broker
