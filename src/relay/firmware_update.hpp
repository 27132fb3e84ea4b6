// LwM2M object 5 (Firmware Update) for the Tap, as OMA LwM2M 1.0 defines its state machine, with the
// package pushed in parts over /5//0 and staged in the state directory so that a download survives
// both a broken connection and a restart of the Tap.
//
// ---- Wire layouts (our decision; docs/tap.md quotes this block) ----------------------------------
//   PUT /5//0, start:  FF FF FF FF ‖ u32 total size ‖ SHA-256 of the whole package (32 bytes) = 40 bytes
//   PUT /5//0, data:   u32 offset (< 0xFFFFFFFF) ‖ 1..n package bytes at that offset
//   PUT /5//0, cancel: empty payload (LwM2M: an empty package resets the state machine to Idle)
//   GET /5//0:         u32 total size ‖ u32 next missing offset (both 0 when no download) — progress()
//   POST /5//2:        update (execute): verify, install, restart
//   GET /5//3:         u8 state:  0 Idle, 1 Downloading, 2 Downloaded, 3 Updating
//   GET /5//5:         u8 result: 0 initial, 1 success, 2 not enough storage, 3 out of memory,
//                      4 connection lost, 5 integrity check failure, 6 unsupported package type,
//                      7 invalid URI, 8 update failed, 9 unsupported protocol
// All integers big-endian. Parts are taken in order: a data part must start at or before the next
// missing offset; the bytes it repeats must equal those already received (a resent part is
// accepted, a different one refused) and it must end within the total size. To resume after a
// broken connection, send the start part again (same size and hash: the download is kept) and
// continue from GET /5//0's next missing offset. A start with another size or hash begins a new
// download. A start of total size 0 is refused; one above max_package_bytes is refused and sets
// result 2 (not enough storage).
//
// ---- Package format of the simulated firmware (our decision) -------------------------------------
//   a UTF-8 JSON object: {"type": "tapmq-firmware", "version": "<new version>", ...}
//   "version": 1..32 printable ASCII characters; other members are ignored. Anything else (not
//   JSON, another type, no version) is result 6, unsupported package type.
// "Installing" records the new version and asks the runtime to restart the Tap: update() answers
// UpdateStatus::Restart with state Updating persisted; the next FirmwareUpdate opened on the state
// directory (or finish_update()) makes the new version current, state Idle, result 1 (success).
//
// ---- Transitions ----------------------------------------------------------------------------------
//   Idle        --start-->                   Downloading (result 0)
//   Downloading --last byte-->               Downloaded
//   Downloaded  --update, hash and package ok--> Updating --restart--> Idle, result 1, new version
//   Downloaded  --update, size or hash wrong-->  Idle, result 5, package discarded
//   Downloaded  --update, package not ours-->   Idle, result 6, package discarded
//   Downloading --update-->                  (refused) result 5, still Downloading: the download goes on
//   any but Updating --cancel-->             Idle, result 0;   Updating refuses everything (Busy)
//   running out of disk while staging         Idle, result 2
// The running version never changes unless the package verified.
//
// ---- On disk --------------------------------------------------------------------------------------
// <name>.json (atomic writes): version, state, result, size, sha256, received, pending_version.
// <name>.package: the bytes received. `received` is written (after an fdatasync of the package)
// every checkpoint_bytes and at the end of the download; after a crash the package is cut back to
// it and the requester resumes from there. Errors other than a full disk throw StateError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "file.hpp"
#include "state_dir.hpp"

namespace tapmq::relay {

class FirmwareUpdate {
  public:
    enum class State : std::uint8_t { Idle = 0, Downloading = 1, Downloaded = 2, Updating = 3 };
    enum class Result : std::uint8_t {
        Initial = 0,
        Success = 1,
        NotEnoughStorage = 2,
        OutOfMemory = 3,
        ConnectionLost = 4,
        IntegrityFailure = 5,
        UnsupportedPackage = 6,
        InvalidUri = 7,
        UpdateFailed = 8,
        UnsupportedProtocol = 9,
    };
    // The outcome of a PUT /5//0. tap_code() gives the Tap result code to answer.
    enum class PartStatus : std::uint8_t {
        Accepted,      // 0x44 (also a start that resumes, a resent part, a cancel)
        Malformed,     // 0x80: not one of the three layouts
        NoDownload,    // 0x80: a data part without a download started
        OutOfOrder,    // 0x80: starts after the next missing offset
        OutOfRange,    // 0x80: ends after the total size, or a start of size 0
        Inconsistent,  // 0x80: repeats received bytes with different values
        TooLarge,      // 0xA7: total size above max_package_bytes (result 2)
        NoSpace,       // 0xA7: the disk filled up while staging (result 2, back to Idle)
        Busy,          // 0x46: an update is in progress
    };
    // The outcome of POST /5//2.
    enum class UpdateStatus : std::uint8_t {
        Restart,             // 0x44: verified; state Updating: restart the Tap to finish
        NothingDownloaded,   // 0x80: Idle
        Incomplete,          // 0x80: still Downloading (result 5)
        IntegrityFailure,    // 0x80: size or SHA-256 wrong (result 5, Idle)
        UnsupportedPackage,  // 0x80: not a tapmq-firmware manifest (result 6, Idle)
        Busy,                // 0x46: already Updating
    };

    struct Options {
        std::string initial_version = "1.0.0";  // the running version before any update
        std::uint32_t max_package_bytes = 1 << 20;
        std::uint32_t checkpoint_bytes = 4096;
        std::string name = "firmware";
    };

    // Opens the object's state (finishing an update that was waiting for the restart). Throws
    // StateError for unreadable or damaged state.
    explicit FirmwareUpdate(StateDir dir);
    FirmwareUpdate(StateDir dir, Options options);

    PartStatus write_package(std::span<const std::byte> payload);
    UpdateStatus update();
    // What the restart does: Updating → Idle, result 1, the pending version current. No-op otherwise.
    void finish_update();

    State state() const noexcept { return state_; }
    Result result() const noexcept { return result_; }
    const std::string& version() const noexcept { return version_; }  // /3//3
    const std::string& pending_version() const noexcept { return pending_version_; }
    std::uint32_t total_size() const noexcept { return size_; }
    std::uint32_t next_offset() const noexcept { return received_; }
    // GET /5//0: u32 total size ‖ u32 next missing offset.
    std::array<std::byte, 8> progress() const noexcept;

  private:
    PartStatus start(std::span<const std::byte> payload);
    PartStatus data(std::uint32_t offset, std::span<const std::byte> bytes);
    void reset(Result result);  // Idle, package removed
    void save();
    void load();
    void checkpoint();
    void open_package(bool truncate);

    StateDir dir_;
    Options opt_;
    std::string meta_name_, package_name_;
    File package_;
    State state_ = State::Idle;
    Result result_ = Result::Initial;
    std::string version_;
    std::string pending_version_;
    std::uint32_t size_ = 0;
    std::array<std::byte, 32> sha256_{};
    std::uint32_t received_ = 0;
    std::uint32_t checkpointed_ = 0;
};

std::uint8_t tap_code(FirmwareUpdate::PartStatus s) noexcept;
std::uint8_t tap_code(FirmwareUpdate::UpdateStatus s) noexcept;

}  // namespace tapmq::relay
