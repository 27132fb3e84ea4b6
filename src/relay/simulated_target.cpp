// The Sensor Demo board: memory, counter, LED and the two wandering sensors (see the header).
#include "simulated_target.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "big_endian.hpp"

namespace tapmq::relay {

namespace {

using namespace std::chrono_literals;
namespace sd = sensor_demo;

constexpr auto kSensorStep = 100ms;
constexpr std::uint64_t kMaxSensorSteps = 36'000;  // one hour of 100 ms steps

// A mean-reverting walk: mean, stationary standard deviation, time constant, hard bounds.
struct Walk {
    double mean, sd, tau_s, lo, hi;
};
constexpr Walk kTemperature{25.0, 1.0, 120.0, 22.0, 28.0};
constexpr Walk kVoltage{3.3, 0.015, 30.0, 3.25, 3.35};

double step_walk(const Walk& w, double x, double n) {
    const double dt = std::chrono::duration<double>(kSensorStep).count();
    const double a = std::exp(-dt / w.tau_s);
    return std::clamp(w.mean + a * (x - w.mean) + w.sd * std::sqrt(1.0 - a * a) * n, w.lo, w.hi);
}

std::string hex(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
    return buf;
}

}  // namespace

SimulatedTarget::SimulatedTarget() : SimulatedTarget(Options{}) {}

SimulatedTarget::SimulatedTarget(Options options)
    : ram_(options.ram_size),
      base_(options.ram_base),
      clock_(std::move(options.clock)),
      start_(options.start),
      now_(options.start),
      last_tick_(options.start),
      rng_(options.seed) {
    if (options.ram_size < 32 ||
        std::uint64_t{options.ram_base} + options.ram_size > (std::uint64_t{1} << 32) ||
        !offset_of(sd::kVoltage, 4)) {
        throw std::invalid_argument("SimulatedTarget: RAM must hold 0x20000000..0x2000001F");
    }
    temperature_ =
        std::clamp(kTemperature.mean + kTemperature.sd * normal(), kTemperature.lo, kTemperature.hi);
    voltage_ = std::clamp(kVoltage.mean + kVoltage.sd * normal(), kVoltage.lo, kVoltage.hi);
    restore_defaults();
}

TargetError SimulatedTarget::connect() {
    if (clock_) advance_to(clock_());
    if (!reachable_) {
        connected_ = false;
        return TargetError::make(TargetCode::UnableToConnect, "simulated target: not reachable");
    }
    connected_ = true;
    return {};
}

void SimulatedTarget::disconnect() {
    connected_ = false;
}

TargetError SimulatedTarget::usable() {
    if (!connected_) return TargetError::make(TargetCode::UnableToConnect, "simulated target: not connected");
    if (!reachable_) {
        connected_ = false;
        return TargetError::make(TargetCode::LostCom, "simulated target: connection lost");
    }
    if (clock_) advance_to(clock_());
    return {};
}

TargetError SimulatedTarget::reset() {
    if (auto e = usable()) return e;
    restore_defaults();
    return {};
}

std::optional<std::size_t> SimulatedTarget::offset_of(std::uint32_t address, std::size_t n) const noexcept {
    if (address < base_) return std::nullopt;
    std::size_t off = address - base_;
    if (off > ram_.size() || n > ram_.size() - off) return std::nullopt;
    return off;
}

TargetError SimulatedTarget::read_memory(std::uint32_t address, std::span<std::byte> out) {
    if (auto e = usable()) return e;
    if (out.empty()) return {};
    auto off = offset_of(address, out.size());
    if (!off) {
        return TargetError::make(TargetCode::Forbidden, "simulated target: read of " +
                                                            std::to_string(out.size()) + " bytes at " +
                                                            hex(address) + " outside RAM");
    }
    std::memcpy(out.data(), ram_.data() + *off, out.size());
    return {};
}

TargetError SimulatedTarget::write_memory(std::uint32_t address, std::span<const std::byte> in) {
    if (auto e = usable()) return e;
    if (in.empty()) return {};
    auto off = offset_of(address, in.size());
    if (!off) {
        return TargetError::make(TargetCode::Forbidden, "simulated target: write of " +
                                                            std::to_string(in.size()) + " bytes at " +
                                                            hex(address) + " outside RAM");
    }
    std::memcpy(ram_.data() + *off, in.data(), in.size());
    on_write(address, in.size());
    return {};
}

void SimulatedTarget::on_write(std::uint32_t address, std::size_t n) {
    const std::uint64_t lo = address, hi = std::uint64_t{address} + n;
    if (lo < sd::kPeriod + 4 && hi > sd::kPeriod) {
        auto period = get_i32(sd::kPeriod);
        if (period > 0) {
            next_tick_ = std::max(last_tick_ + std::chrono::milliseconds(period), now_);
        } else {
            next_tick_.reset();
        }
    }
    update_led();
}

void SimulatedTarget::restore_defaults() {
    std::fill(ram_.begin(), ram_.end(), std::byte{0});
    set_i32(sd::kCount, 0);
    set_i32(sd::kPeriod, sd::kDefaultPeriodMs);
    ram_[*offset_of(sd::kLedConfig, 1)] = std::byte{sd::kDefaultLedConfig};
    set_f32(sd::kTemperature, static_cast<float>(temperature_));
    set_f32(sd::kVoltage, static_cast<float>(voltage_));
    last_tick_ = now_;
    next_tick_ = now_ + std::chrono::milliseconds(sd::kDefaultPeriodMs);
    update_led();
}

void SimulatedTarget::advance_to(Clock::time_point t) {
    if (t < now_) return;
    now_ = t;
    tick_counter(t);
    const auto due = static_cast<std::uint64_t>((t - start_) / kSensorStep);
    if (due > sensor_steps_ + kMaxSensorSteps) sensor_steps_ = due - kMaxSensorSteps;
    if (sensor_steps_ < due) {
        for (; sensor_steps_ < due; ++sensor_steps_)
            step_sensors();
        set_f32(sd::kTemperature, static_cast<float>(temperature_));
        set_f32(sd::kVoltage, static_cast<float>(voltage_));
    }
    update_led();
}

void SimulatedTarget::tick_counter(Clock::time_point t) {
    if (!next_tick_ || *next_tick_ > t) return;
    const auto period = std::chrono::milliseconds(get_i32(sd::kPeriod));
    if (period.count() <= 0) {  // written behind our back without on_write: stop
        next_tick_.reset();
        return;
    }
    const auto n = static_cast<std::uint64_t>((t - *next_tick_) / period) + 1;
    const auto count = static_cast<std::uint32_t>(get_i32(sd::kCount)) + static_cast<std::uint32_t>(n);
    set_i32(sd::kCount, static_cast<std::int32_t>(count));
    last_tick_ = *next_tick_ + (n - 1) * period;
    next_tick_ = last_tick_ + period;
}

void SimulatedTarget::step_sensors() {
    temperature_ = step_walk(kTemperature, temperature_, normal());
    voltage_ = step_walk(kVoltage, voltage_, normal());
}

void SimulatedTarget::update_led() {
    const auto config = std::to_integer<std::uint8_t>(ram_[*offset_of(sd::kLedConfig, 1)]);
    std::uint8_t status = 0;
    if (config == 1) status = 1;
    if (config == 2) status = static_cast<std::uint8_t>(get_i32(sd::kCount) & 1);
    ram_[*offset_of(sd::kLedStatus, 1)] = std::byte{status};
}

std::int32_t SimulatedTarget::get_i32(std::uint32_t address) const noexcept {
    return static_cast<std::int32_t>(
        be::load_u32(std::span<const std::byte, 4>(ram_.data() + *offset_of(address, 4), 4)));
}

void SimulatedTarget::set_i32(std::uint32_t address, std::int32_t v) noexcept {
    be::store_u32(std::span<std::byte, 4>(ram_.data() + *offset_of(address, 4), 4),
                  static_cast<std::uint32_t>(v));
}

void SimulatedTarget::set_f32(std::uint32_t address, float v) noexcept {
    be::store_f32(std::span<std::byte, 4>(ram_.data() + *offset_of(address, 4), 4), v);
}

// Box-Muller on the generator's raw 64-bit output (std::normal_distribution differs between
// standard libraries; this does not).
double SimulatedTarget::normal() {
    constexpr double kTwoPi = 6.283185307179586;
    const double u1 = 1.0 - static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;        // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

}  // namespace tapmq::relay
