// Broker-wide counters, updated lock-free from every worker thread and read by $SYS.
#pragma once

#include <atomic>
#include <cstdint>

namespace tapmq::broker {

struct Stats {
    using Counter = std::atomic<std::uint64_t>;
    Counter clients_connected{0};
    Counter clients_total{0};  // sessions known (connected + disconnected persistent)
    Counter clients_maximum{0};
    Counter clients_expired{0};
    Counter messages_received{0};
    Counter messages_sent{0};
    Counter publish_received{0};
    Counter publish_sent{0};
    Counter publish_dropped{0};  // dropped for queue/buffer limits
    Counter bytes_received{0};
    Counter bytes_sent{0};
    Counter subscriptions{0};
    Counter retained_messages{0};
    Counter connections_refused{0};
    Counter connections_accepted{0};

    static void add(Counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
    static void sub(Counter& c, std::uint64_t n = 1) noexcept { c.fetch_sub(n, std::memory_order_relaxed); }
    static std::uint64_t get(const Counter& c) noexcept { return c.load(std::memory_order_relaxed); }
};

}  // namespace tapmq::broker
