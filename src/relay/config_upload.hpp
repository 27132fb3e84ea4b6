// Configuration upload: a new project file written to a running Tap over /1024//11, in parts like
// the firmware package (firmware_update.hpp), then validated and applied in one step.
//
// ---- Wire layout (our decision; docs/tap.md quotes this block) -----------------------------------
//   PUT  /1024//11, start:  FF FF FF FF ‖ u32 total size ‖ SHA-256 of the whole file (32 bytes) = 40 bytes
//   PUT  /1024//11, data:   u32 offset (< 0xFFFFFFFF) ‖ 1..n bytes of the file at that offset
//   PUT  /1024//11, cancel: empty payload: the upload is dropped (the last error is kept)
//   POST /1024//11:         apply: size and SHA-256 checked, the file parsed and validated as a
//                           project (tap::Project::parse), saved to the state directory, made the
//                           running project; 0x44 Changed. Anything wrong: 0x80, the running project
//                           stays, and the reason becomes the last error.
//   GET  /1024//11:         u32 total size ‖ u32 next missing offset ‖ u8 state (0 idle, 1 receiving,
//                           2 complete: waiting for the POST) ‖ last error (UTF-8, empty when the
//                           last apply succeeded or none was tried)
// All integers big-endian; admin only, every method. The file is the project JSON (src/tap/README.md,
// "Project file"), UTF-8, at most CommandProcessor::Options::max_config_bytes (1 MiB; more: 0xA7).
// Parts are taken in order as for the firmware: a data part starts at or before the next missing
// offset, bytes it repeats must equal those received (a resent part is accepted, a different one
// 0x80), and it ends within the total size. A start with the same size and hash as the upload under
// way keeps it (resume from GET's next missing offset); another start begins a new upload. The upload
// is held in memory: a restart of the Tap drops it (start again), and the running project is only
// ever replaced by a complete, verified, valid file — atomically, on disk and in memory.
// The configuration version (/1024//10) is the new file's application.config_version, as written by
// its author; it is not required to grow.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tap/result_code.hpp"

namespace tapmq::relay {

class ConfigUpload {
  public:
    enum class State : std::uint8_t { Idle = 0, Receiving = 1, Complete = 2 };

    explicit ConfigUpload(std::uint32_t max_bytes) : max_bytes_(max_bytes) {}

    // PUT /1024//11: 0x44 Changed, 0x80 (message() says why), 0xA7 (too large).
    tap::ResultCode write(std::string_view payload);
    // POST /1024//11, first half: the complete file whose size and hash verified, taken out (the
    // upload is Idle afterwards); or false with message() set (0x80): still receiving (the upload goes
    // on), nothing uploaded, or the hash is wrong (the upload is dropped).
    bool take(std::string& file);
    // Records the outcome of an apply as the last error ("" for success).
    void set_last_error(std::string error) { last_error_ = std::move(error); }

    // GET /1024//11.
    std::string status() const;
    State state() const noexcept { return state_; }
    const std::string& last_error() const noexcept { return last_error_; }
    // Why the last write() or take() failed.
    const std::string& message() const noexcept { return message_; }

  private:
    tap::ResultCode fail(tap::ResultCode code, std::string why);
    void reset();

    std::uint32_t max_bytes_;
    State state_ = State::Idle;
    std::uint32_t size_ = 0;
    std::array<unsigned char, 32> sha256_{};
    std::string data_;
    std::string last_error_;
    std::string message_;
};

}  // namespace tapmq::relay
