// Netkey sealing (tap-protocol.md §5): authenticated encryption of the APDUs, datalog records and
// events a Tap exchanges over MQTT, with replay protection. Pure: time is passed in, never read.
//
// sealed frame = header (18) ‖ ciphertext ‖ tag (16)
// header       = u8 version (1) ‖ u8 direction (0 to the Tap, 1 from it) ‖ u32 sender ‖ u64 counter ‖ u32
// time key          = HKDF-SHA256(ikm = netkey, salt = serial number, info = "tapmq netkey v1 to-tap" | "...
// from-tap", 16 bytes) nonce        = sender ‖ counter; cipher AES-128-GCM; additional data = header ‖ topic
//
// A Sealer numbers its frames from 1 under one random sender id. An Opener checks every acceptance
// rule of §5 in the order below and remembers (sender, counter) only once the tag has verified, so
// that forged frames can neither fill the sender table nor move a replay window.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tapmq::tap {

enum class Direction : std::uint8_t { ToTap = 0, FromTap = 1 };

inline constexpr std::uint8_t kSealVersion = 1;
inline constexpr std::size_t kSealHeaderSize = 18;
inline constexpr std::size_t kSealTagSize = 16;
inline constexpr std::size_t kSealOverhead = kSealHeaderSize + kSealTagSize;
inline constexpr std::int64_t kMaxClockSkewS = 300;
inline constexpr std::uint64_t kReplayWindow = 64;
inline constexpr std::size_t kMaxSenders = 4096;

using SealKey = std::array<std::uint8_t, 16>;

// HKDF-SHA256 as above. Throws std::invalid_argument for an empty netkey (no netkey: no sealing).
SealKey derive_key(std::string_view netkey, std::string_view serial, Direction direction);

struct SealHeader {
    std::uint8_t version = kSealVersion;
    std::uint8_t direction = 0;  // raw byte: a received frame may carry anything
    std::uint32_t sender = 0;
    std::uint64_t counter = 0;
    std::uint32_t time = 0;  // Unix seconds

    bool operator==(const SealHeader&) const = default;
};

// The low-level operations, no rule checked: seal exactly this header, and verify a tag.
std::string seal_frame(const SealKey& key, const SealHeader& header, std::string_view topic,
                       std::string_view plaintext);
// False when the frame is shorter than 34 bytes; otherwise fills `header`.
bool parse_seal_header(std::string_view frame, SealHeader& header);
// False when the frame is too short or the tag does not verify; `plaintext` is then untouched.
bool open_frame(const SealKey& key, std::string_view frame, std::string_view topic, std::string& plaintext);

// One direction's sender. Not copyable: two copies would reuse counters.
class Sealer {
  public:
    // A random non-zero sender id (OpenSSL RAND_bytes), counter from 1.
    Sealer(const SealKey& key, Direction direction);
    // A chosen sender id (tests, test vectors). Throws std::invalid_argument for sender or counter 0.
    Sealer(const SealKey& key, Direction direction, std::uint32_t sender, std::uint64_t first_counter = 1);
    Sealer(const Sealer&) = delete;
    Sealer& operator=(const Sealer&) = delete;
    Sealer(Sealer&&) = default;
    Sealer& operator=(Sealer&&) = default;

    // Seals with the next counter and `now` (Unix seconds) as header time. Throws std::out_of_range
    // when `now` does not fit a u32 or the counter is exhausted (never reused).
    std::string seal(std::string_view topic, std::string_view plaintext, std::int64_t now);

    std::uint32_t sender() const noexcept { return sender_; }
    std::uint64_t next_counter() const noexcept { return next_; }

  private:
    SealKey key_;
    Direction direction_;
    std::uint32_t sender_;
    std::uint64_t next_;
};

// Why a frame was refused; Accepted when it was not. In the order the Opener checks.
enum class OpenStatus : std::uint8_t {
    Accepted,
    TooShort,         // under 34 bytes
    BadVersion,       // version is not 1
    WrongDirection,   // not the direction this receiver expects
    ZeroSender,       // sender id 0
    ZeroCounter,      // counter 0
    StaleTime,        // |time - now| > 300 s
    BehindWindow,     // counter 64 or more below the sender's highest seen
    Replayed,         // (sender, counter) seen before
    SenderTableFull,  // a new sender while 4096 live senders are remembered
    BadTag,           // wrong key, wrong topic, or altered bytes
};

// "replayed", "time too far from now", ...: for logs.
std::string_view name(OpenStatus status) noexcept;

struct ReplayOptions {
    std::size_t max_senders = kMaxSenders;
    std::int64_t max_skew_s = kMaxClockSkewS;
};

// The replay state of one receiver: per sender, the highest counter seen and a 64-frame window
// below it. A sender is remembered until max_skew_s after the later of its newest frame's header
// time and that frame's arrival (kept as the maximum over its accepted frames), so a frame that is
// still fresh can never be accepted twice; after that its frames are stale anyway.
class ReplayGuard {
  public:
    explicit ReplayGuard(ReplayOptions options = {}) : options_(options) {}

    // Accepted, BehindWindow, Replayed or SenderTableFull; changes nothing except dropping expired
    // senders when the table is full.
    OpenStatus check(std::uint32_t sender, std::uint64_t counter, std::int64_t now);
    // Records an authenticated frame that check() accepted.
    void accept(std::uint32_t sender, std::uint64_t counter, std::uint32_t header_time, std::int64_t now);
    // Forgets the senders whose memory has run out; for periodic housekeeping.
    void expire(std::int64_t now);
    std::size_t senders() const noexcept { return senders_.size(); }

  private:
    struct SenderState {
        std::uint64_t highest = 0;
        std::uint64_t seen = 0;  // bit i: counter highest - i was accepted
        std::int64_t expires_at = 0;
    };
    ReplayOptions options_;
    std::unordered_map<std::uint32_t, SenderState> senders_;
};

struct Opened {
    OpenStatus status = OpenStatus::TooShort;
    SealHeader header;      // filled unless TooShort
    std::string plaintext;  // only when Accepted
    bool ok() const noexcept { return status == OpenStatus::Accepted; }
};

// One direction's receiver.
class Opener {
  public:
    Opener(const SealKey& key, Direction expected, ReplayOptions options = {})
        : key_(key), expected_(expected), options_(options), guard_(options) {}

    Opened open(std::string_view frame, std::string_view topic, std::int64_t now);

    ReplayGuard& replay_guard() noexcept { return guard_; }

  private:
    SealKey key_;
    Direction expected_;
    ReplayOptions options_;
    ReplayGuard guard_;
};

}  // namespace tapmq::tap
