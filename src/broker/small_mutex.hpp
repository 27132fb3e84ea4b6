// A mutex in four bytes, for the locks that every client has (its session's and its connection's
// output lock): std::mutex takes 40. Uncontended, lock() and unlock() are one atomic operation
// each; a contended lock() sleeps in the kernel (a futex, through std::atomic::wait) as
// std::mutex does, and unlock() wakes a sleeper only when there is one.
#pragma once

#include <atomic>
#include <cstdint>

namespace tapmq::broker {

class SmallMutex {
  public:
    SmallMutex() = default;
    SmallMutex(const SmallMutex&) = delete;
    SmallMutex& operator=(const SmallMutex&) = delete;

    void lock() noexcept {
        std::uint32_t s = kFree;
        if (state_.compare_exchange_strong(s, kLocked, std::memory_order_acquire)) return;
        // Taken: say that someone waits, then sleep until the holder lets go.
        if (s != kContended) s = state_.exchange(kContended, std::memory_order_acquire);
        while (s != kFree) {
            state_.wait(kContended, std::memory_order_relaxed);
            s = state_.exchange(kContended, std::memory_order_acquire);
        }
    }
    bool try_lock() noexcept {
        std::uint32_t s = kFree;
        return state_.compare_exchange_strong(s, kLocked, std::memory_order_acquire);
    }
    void unlock() noexcept {
        if (state_.exchange(kFree, std::memory_order_release) == kContended) state_.notify_one();
    }

  private:
    static constexpr std::uint32_t kFree = 0;
    static constexpr std::uint32_t kLocked = 1;
    static constexpr std::uint32_t kContended = 2;  // locked, and a thread may be waiting
    std::atomic<std::uint32_t> state_{kFree};
};

}  // namespace tapmq::broker
