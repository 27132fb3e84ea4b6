// ConfigUpload: the parts of an uploaded project file, checked in order, then verified (see header).
#include "config_upload.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace tapmq::relay {

namespace {

constexpr std::size_t kStartSize = 4 + 4 + 32;

std::uint32_t u32(std::string_view s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

}  // namespace

tap::ResultCode ConfigUpload::fail(tap::ResultCode code, std::string why) {
    message_ = std::move(why);
    return code;
}

void ConfigUpload::reset() {
    state_ = State::Idle;
    size_ = 0;
    sha256_ = {};
    data_.clear();
    data_.shrink_to_fit();
}

tap::ResultCode ConfigUpload::write(std::string_view p) {
    message_.clear();
    if (p.empty()) {
        reset();
        return tap::ResultCode::Changed;
    }
    if (p.size() < 5) {
        return fail(tap::ResultCode::BadRequest,
                    "a configuration part is a start (40 bytes), u32 offset + data, or empty (cancel)");
    }
    const std::uint32_t first = u32(p, 0);
    if (first == 0xFFFFFFFF) {
        if (p.size() != kStartSize) {
            return fail(tap::ResultCode::BadRequest,
                        "a start part is FF FF FF FF, u32 total size and a SHA-256: 40 "
                        "bytes, not " +
                            std::to_string(p.size()));
        }
        const std::uint32_t size = u32(p, 4);
        std::array<unsigned char, 32> hash{};
        std::memcpy(hash.data(), p.data() + 8, 32);
        if (size == 0) return fail(tap::ResultCode::BadRequest, "a project file of 0 bytes is not a project");
        if (size > max_bytes_) {
            return fail(tap::ResultCode::NvmFull, "a project file of " + std::to_string(size) +
                                                      " bytes is larger than the " +
                                                      std::to_string(max_bytes_) + " bytes a Tap accepts");
        }
        if (state_ != State::Idle && size == size_ && hash == sha256_)
            return tap::ResultCode::Changed;  // resume
        reset();
        state_ = State::Receiving;
        size_ = size;
        sha256_ = hash;
        data_.reserve(size);
        return tap::ResultCode::Changed;
    }
    if (state_ == State::Idle)
        return fail(tap::ResultCode::BadRequest, "no upload started: send the start part first");
    const std::uint32_t offset = first;
    const std::string_view bytes = p.substr(4);
    if (offset > data_.size()) {
        return fail(tap::ResultCode::BadRequest, "part at offset " + std::to_string(offset) +
                                                     " leaves a gap: the next missing offset is " +
                                                     std::to_string(data_.size()));
    }
    if (std::uint64_t{offset} + bytes.size() > size_) {
        return fail(tap::ResultCode::BadRequest, "part ends at " + std::to_string(offset + bytes.size()) +
                                                     ", after the total size " + std::to_string(size_));
    }
    const std::size_t overlap = std::min<std::size_t>(bytes.size(), data_.size() - offset);
    if (data_.compare(offset, overlap, bytes.substr(0, overlap)) != 0) {
        return fail(tap::ResultCode::BadRequest,
                    "part at offset " + std::to_string(offset) + " differs from the bytes already received");
    }
    data_.append(bytes.substr(overlap));
    if (data_.size() == size_) state_ = State::Complete;
    return tap::ResultCode::Changed;
}

bool ConfigUpload::take(std::string& file) {
    message_.clear();
    if (state_ == State::Idle) {
        message_ = "no configuration uploaded: PUT /1024//11 the parts first";
        return false;
    }
    if (state_ == State::Receiving) {
        message_ = "the upload is incomplete: " + std::to_string(data_.size()) + " of " +
                   std::to_string(size_) + " bytes received";
        return false;
    }
    std::array<unsigned char, 32> got{};
    SHA256(reinterpret_cast<const unsigned char*>(data_.data()), data_.size(), got.data());
    if (got != sha256_) {
        message_ = "the uploaded file does not match the SHA-256 of its start part; upload it again";
        reset();
        return false;
    }
    file = std::move(data_);
    reset();
    return true;
}

std::string ConfigUpload::status() const {
    std::string out;
    put_u32(out, size_);
    put_u32(out, static_cast<std::uint32_t>(data_.size()));
    out.push_back(static_cast<char>(state_));
    out += last_error_;
    return out;
}

}  // namespace tapmq::relay
