// A bounds-checked cursor over a packet body. Every read that would run past the end throws
// ProtocolError(MalformedPacket); strings and binary data come back as views into the buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "protocol_error.hpp"

namespace tapmq::mqtt {

class ByteReader {
  public:
    explicit ByteReader(std::string_view data) noexcept : p_(data.data()), end_(data.data() + data.size()) {}

    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    bool empty() const noexcept { return p_ == end_; }

    std::uint8_t u8() {
        need(1);
        return static_cast<std::uint8_t>(*p_++);
    }
    std::uint16_t u16() {
        need(2);
        auto v = static_cast<std::uint16_t>((byte(0) << 8) | byte(1));
        p_ += 2;
        return v;
    }
    std::uint32_t u32() {
        need(4);
        std::uint32_t v = (std::uint32_t{byte(0)} << 24) | (std::uint32_t{byte(1)} << 16) |
                          (std::uint32_t{byte(2)} << 8) | std::uint32_t{byte(3)};
        p_ += 4;
        return v;
    }
    // Variable byte integer (spec 1.5.5): at most 4 bytes, otherwise malformed.
    std::uint32_t varint() {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = u8();
            value |= std::uint32_t{b & 0x7Fu} << (7 * i);
            if ((b & 0x80) == 0) return value;
        }
        malformed("variable byte integer longer than 4 bytes");
    }
    std::string_view bytes(std::size_t n) {
        need(n);
        std::string_view v(p_, n);
        p_ += n;
        return v;
    }
    // Two-byte length prefixed binary data (spec 1.5.6).
    std::string_view binary() { return bytes(u16()); }
    // Two-byte length prefixed UTF-8 string (spec 1.5.4), validated.
    std::string_view utf8();
    // All bytes left.
    std::string_view rest() noexcept {
        std::string_view v(p_, remaining());
        p_ = end_;
        return v;
    }

  private:
    void need(std::size_t n) const {
        if (remaining() < n) malformed("packet shorter than its contents");
    }
    std::uint8_t byte(std::size_t i) const noexcept { return static_cast<std::uint8_t>(p_[i]); }

    const char* p_;
    const char* end_;
};

}  // namespace tapmq::mqtt
