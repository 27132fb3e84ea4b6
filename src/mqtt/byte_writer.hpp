// An unchecked cursor for encoding into memory whose exact size was computed beforehand.
// Debug builds assert the bounds; the encoder's size functions are the real guarantee.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tapmq::mqtt {

class ByteWriter {
  public:
    ByteWriter(char* begin, std::size_t size) noexcept : p_(begin), end_(begin + size) {}

    char* position() const noexcept { return p_; }
    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }

    void u8(std::uint8_t v) noexcept {
        assert(remaining() >= 1);
        *p_++ = static_cast<char>(v);
    }
    void u16(std::uint16_t v) noexcept {
        assert(remaining() >= 2);
        p_[0] = static_cast<char>(v >> 8);
        p_[1] = static_cast<char>(v & 0xFF);
        p_ += 2;
    }
    void u32(std::uint32_t v) noexcept {
        assert(remaining() >= 4);
        p_[0] = static_cast<char>(v >> 24);
        p_[1] = static_cast<char>((v >> 16) & 0xFF);
        p_[2] = static_cast<char>((v >> 8) & 0xFF);
        p_[3] = static_cast<char>(v & 0xFF);
        p_ += 4;
    }
    // A variable byte integer holds at most 268,435,455 (spec 1.5.5); callers refuse larger lengths
    // before writing (varint_size says 5 for them).
    void varint(std::uint32_t v) noexcept {
        assert(v <= 268'435'455u);
        do {
            std::uint8_t b = v & 0x7F;
            v >>= 7;
            if (v != 0) b |= 0x80;
            u8(b);
        } while (v != 0);
    }
    void bytes(std::string_view s) noexcept {
        assert(remaining() >= s.size());
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
    }
    // Two-byte length prefix then the bytes (UTF-8 string or binary data).
    void prefixed(std::string_view s) noexcept {
        u16(static_cast<std::uint16_t>(s.size()));
        bytes(s);
    }

  private:
    char* p_;
    char* end_;
};

// Bytes of the variable byte integer for `v`. Values of 2^28 and more have no valid encoding: 5 is
// returned so that sizes computed with them exceed kMaxPacketSize and are refused, never wrapped.
constexpr std::size_t varint_size(std::uint64_t v) noexcept {
    return v < 128 ? 1 : v < 16'384 ? 2 : v < 2'097'152 ? 3 : v < 268'435'456 ? 4 : 5;
}

}  // namespace tapmq::mqtt
