// How many heap bytes the process holds, for memory_limit: jemalloc's "stats.allocated" when tapmqd
// runs on jemalloc (found at run time, so the broker library does not depend on it), else glibc's
// mallinfo2() (arena and mmap'ed bytes in use). Costs a few microseconds: call it from a timer, not
// per message.
#pragma once

#include <cstddef>

namespace tapmq::broker {

std::size_t heap_bytes_in_use() noexcept;

}  // namespace tapmq::broker
