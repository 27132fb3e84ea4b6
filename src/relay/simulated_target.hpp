// The Sensor Demo board of tap-protocol.md §3 as a memory model: what `tapmq tap` talks to when no
// probe is attached, and what the command processor's tests read and write.
//
// Memory: one RAM region (default 0x20000000, 4 KiB). **Values are stored big-endian** — the bytes a
// read returns are the bytes the project's types describe and the bytes on the wire, so nobody
// swaps anything. (A real STM32 is little-endian; a probe driver for one converts, not the callers.)
//
// Behaviour, driven only by advance_to(t) — no threads, no clock reads unless Options::clock is set:
// - Count (int32 @0x20000000) increases by one every Period ms, wrapping at 2^31 like firmware would.
// - Period (int32 @0x2000000C, default 1000 ms) takes effect when written: the next increment comes
//   Period ms after the previous one (or at the next advance_to when that moment has already passed).
//   Period <= 0 stops the counter. Range checks (10..60000) are the command processor's job.
// - LEDStatus (uint8 @0x20000008) follows LEDConfig (uint8 @0x20000009): 0 off, 1 on, 2 blink
//   (LEDStatus = Count & 1); any other value reads as off. Updated at every advance_to and write.
//   LEDConfig defaults to 2 (blink), so a fresh demo visibly moves.
// - Temperature_C (float32 @0x20000018) and Voltage_V (float32 @0x2000001C) follow mean-reverting
//   random walks (Ornstein-Uhlenbeck, stepped every 100 ms of simulated time from `start`) around
//   25 °C (sd 1, time constant 120 s, clamped to 22..28) and 3.3 V (sd 0.015, 30 s, 3.25..3.35), from
//   a seeded generator: the same seed and the same times give the same values on every platform, and
//   how time is split into advance_to calls does not change them. A gap of more than an hour
//   simulates only its last hour of sensor steps.
// - reset() zeroes RAM and restores the defaults (Count 0, Period 1000, LEDConfig 2); the sensors keep
//   their physical values. Memory is writable everywhere: read-only variables are the command
//   processor's business (it checks the project).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "target.hpp"

namespace tapmq::relay {

namespace sensor_demo {
inline constexpr std::uint32_t kRamBase = 0x20000000;
inline constexpr std::uint32_t kCount = 0x20000000;        // int32, read-only
inline constexpr std::uint32_t kLedStatus = 0x20000008;    // uint8, read-only
inline constexpr std::uint32_t kLedConfig = 0x20000009;    // uint8, read-write
inline constexpr std::uint32_t kPeriod = 0x2000000C;       // int32 ms, read-write
inline constexpr std::uint32_t kTemperature = 0x20000018;  // float32 °C, read-only
inline constexpr std::uint32_t kVoltage = 0x2000001C;      // float32 V, read-only
inline constexpr std::int32_t kDefaultPeriodMs = 1000;
inline constexpr std::uint8_t kDefaultLedConfig = 2;
}  // namespace sensor_demo

class SimulatedTarget final : public Target {
  public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::uint64_t seed = 1;     // differs per Tap of a fleet
        Clock::time_point start{};  // power-on time: Count's first increment is start + Period
        std::uint32_t ram_base = sensor_demo::kRamBase;
        std::uint32_t ram_size = 4096;  // at least 32 bytes (the demo's variables)
        // When set, every Target operation first advances to clock() (the runtime passes
        // steady_clock::now); tests leave it empty and call advance_to themselves.
        std::function<Clock::time_point()> clock;
    };

    SimulatedTarget();
    explicit SimulatedTarget(Options options);

    TargetError connect() override;
    void disconnect() override;
    bool connected() const override { return connected_; }
    TargetError reset() override;
    TargetError read_memory(std::uint32_t address, std::span<std::byte> out) override;
    TargetError write_memory(std::uint32_t address, std::span<const std::byte> in) override;

    // Runs the board up to t. A t earlier than now() changes nothing.
    void advance_to(Clock::time_point t);
    Clock::time_point now() const noexcept { return now_; }

    // Unplugs (false) or plugs in the board: while unreachable connect() fails with UnableToConnect;
    // a connection that was up fails its next operation with LostCom and is dropped.
    void set_reachable(bool reachable) noexcept { reachable_ = reachable; }
    bool reachable() const noexcept { return reachable_; }

    // The whole RAM as it is now (no connection needed, no time advance): for tests and displays.
    std::span<const std::byte> ram() const noexcept { return ram_; }
    std::uint32_t ram_base() const noexcept { return base_; }

  private:
    TargetError usable();
    std::optional<std::size_t> offset_of(std::uint32_t address, std::size_t n) const noexcept;
    void restore_defaults();
    void on_write(std::uint32_t address, std::size_t n);
    void tick_counter(Clock::time_point t);
    void step_sensors();
    void update_led();
    std::int32_t get_i32(std::uint32_t address) const noexcept;
    void set_i32(std::uint32_t address, std::int32_t v) noexcept;
    void set_f32(std::uint32_t address, float v) noexcept;
    double normal();

    std::vector<std::byte> ram_;
    std::uint32_t base_;
    std::function<Clock::time_point()> clock_;
    Clock::time_point start_;
    Clock::time_point now_;
    Clock::time_point last_tick_;                 // the last increment of Count (or the last reset)
    std::optional<Clock::time_point> next_tick_;  // none while Period <= 0
    std::uint64_t sensor_steps_ = 0;              // 100 ms steps done since start_
    std::mt19937_64 rng_;
    double temperature_;
    double voltage_;
    bool connected_ = false;
    bool reachable_ = true;
};

}  // namespace tapmq::relay
