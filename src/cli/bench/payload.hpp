// What every benchmark message carries in front of its padding: who sent it, its sequence number
// from that publisher (32 bits on the wire: a run would need billions of messages per publisher to
// wrap), and when it was sent (steady clock, ns). 16 bytes, so the usual 16-byte payload is all
// header. Native byte order: the sender and receiver are one process.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tapmq::cli::bench {

inline constexpr std::size_t kPayloadHeaderSize = 4 + 4 + 8;

struct PayloadHeader {
    std::uint32_t publisher = 0;
    std::uint64_t sequence = 0;
    std::int64_t sent_ns = 0;
};

inline void write_payload_header(char* out, const PayloadHeader& h) noexcept {
    std::memcpy(out, &h.publisher, 4);
    const auto seq = static_cast<std::uint32_t>(h.sequence);
    std::memcpy(out + 4, &seq, 4);
    std::memcpy(out + 8, &h.sent_ns, 8);
}

inline bool read_payload_header(std::string_view payload, PayloadHeader& h) noexcept {
    if (payload.size() < kPayloadHeaderSize) return false;
    std::memcpy(&h.publisher, payload.data(), 4);
    std::uint32_t seq = 0;
    std::memcpy(&seq, payload.data() + 4, 4);
    h.sequence = seq;
    std::memcpy(&h.sent_ns, payload.data() + 8, 8);
    return true;
}

}  // namespace tapmq::cli::bench
