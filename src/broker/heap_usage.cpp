#include "heap_usage.hpp"

#include <malloc.h>

#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer runtime's allocator statistics (GCC ships the function, not its header).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

// Defined when jemalloc is linked in (tapmqd's default build); null otherwise.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen)
    __attribute__((weak));

namespace tapmq::broker {

std::size_t heap_bytes_in_use() noexcept {
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizer's allocator replaces malloc: mallinfo2() reports nothing of it.
    return __sanitizer_get_current_allocated_bytes();
#else
    if (mallctl != nullptr) {
        // jemalloc's statistics are a snapshot taken when the epoch advances.
        std::uint64_t epoch = 1;
        std::size_t len = sizeof epoch;
        mallctl("epoch", &epoch, &len, &epoch, len);
        std::size_t allocated = 0;
        len = sizeof allocated;
        if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) == 0) return allocated;
    }
    const struct mallinfo2 mi = ::mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

}  // namespace tapmq::broker
