// Internal: a bounds-checked big-endian reading cursor and appending helpers. A read past the end
// throws ProtocolError(BadRequest) naming what was being read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol_error.hpp"

namespace tapmq::tap::detail {

class Reader {
  public:
    explicit Reader(std::string_view data) noexcept : data_(data) {}

    std::size_t remaining() const noexcept { return data_.size() - pos_; }
    bool empty() const noexcept { return remaining() == 0; }

    std::uint8_t u8(const char* what) {
        need(1, what);
        return byte(pos_++);
    }
    std::uint16_t u16(const char* what) {
        need(2, what);
        auto v = static_cast<std::uint16_t>((byte(pos_) << 8) | byte(pos_ + 1));
        pos_ += 2;
        return v;
    }
    std::uint32_t u32(const char* what) {
        need(4, what);
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v = (v << 8) | byte(pos_++);
        return v;
    }
    std::uint64_t u64(const char* what) {
        need(8, what);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | byte(pos_++);
        return v;
    }
    std::string_view bytes(std::size_t n, const char* what) {
        need(n, what);
        auto v = data_.substr(pos_, n);
        pos_ += n;
        return v;
    }
    std::string_view rest() noexcept {
        auto v = data_.substr(pos_);
        pos_ = data_.size();
        return v;
    }

  private:
    void need(std::size_t n, const char* what) const {
        if (remaining() < n) {
            bad_request(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                        std::to_string(remaining()) + " left");
        }
    }
    std::uint8_t byte(std::size_t i) const noexcept { return static_cast<std::uint8_t>(data_[i]); }

    std::string_view data_;
    std::size_t pos_ = 0;
};

inline void put_u8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}
inline void put_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xFF));
}
inline void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
}
inline void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

}  // namespace tapmq::tap::detail
