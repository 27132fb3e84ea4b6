// Decoding: bytes in, packets out. Pure functions over caller-owned memory; no I/O, no allocation
// beyond the vectors a packet needs. Every violation throws ProtocolError with its reason code.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "packets.hpp"
#include "protocol_error.hpp"

namespace tapmq::mqtt {

struct FixedHeader {
    std::uint8_t first_byte = 0;  // type << 4 | flags
    std::uint32_t remaining_length = 0;
    std::uint8_t header_size = 0;  // 2..5 bytes

    PacketType type() const noexcept { return static_cast<PacketType>(first_byte >> 4); }
    std::uint8_t flags() const noexcept { return first_byte & 0x0F; }
    std::size_t packet_size() const noexcept { return header_size + std::size_t{remaining_length}; }
};

// Reads the fixed header at the front of `buffer`. Returns nullopt while the header is incomplete.
// Throws MalformedPacket for a reserved packet type or a remaining length over 4 bytes, and
// PacketTooLarge when the whole packet would exceed `max_packet_size`: the caller learns this before
// it buffers any of the body.
std::optional<FixedHeader> parse_fixed_header(std::string_view buffer, std::uint32_t max_packet_size);

// Decodes one packet body (the `remaining_length` bytes after the fixed header). `version` is the
// connection's negotiated version; CONNECT carries its own and ignores it.
Packet decode_packet(const FixedHeader& header, std::string_view body, ProtocolVersion version);
// The same into `out`, which it replaces: PUBLISH and its acknowledgements are built in place, with
// no move of the packet (a Packet is a few hundred bytes, mostly MQTT 5 properties). On a throw,
// `out` holds no usable packet.
void decode_packet(const FixedHeader& header, std::string_view body, ProtocolVersion version, Packet& out);

// Incremental decoding of a byte stream that may hold part of a packet or many packets.
class StreamDecoder {
  public:
    explicit StreamDecoder(std::uint32_t max_packet_size = kMaxPacketSize) noexcept
        : max_packet_size_(max_packet_size) {}

    void set_version(ProtocolVersion v) noexcept { version_ = v; }
    ProtocolVersion version() const noexcept { return version_; }
    void set_max_packet_size(std::uint32_t n) noexcept { max_packet_size_ = n; }

    // Decodes the packet at the front of `buffer` and advances the view past it. Returns nullopt and
    // leaves `buffer` untouched while the packet is incomplete; `bytes_needed()` then gives the size
    // of the whole packet once its header is known (0 before). A decoded CONNECT sets the version.
    std::optional<Packet> next(std::string_view& buffer);
    // The same into `out` (see decode_packet): true when a packet was decoded. Readers that loop
    // over many packets keep one Packet for all of them.
    bool next(std::string_view& buffer, Packet& out);
    std::size_t bytes_needed() const noexcept { return needed_; }

  private:
    std::uint32_t max_packet_size_;
    ProtocolVersion version_ = ProtocolVersion::V311;
    std::size_t needed_ = 0;
};

}  // namespace tapmq::mqtt
