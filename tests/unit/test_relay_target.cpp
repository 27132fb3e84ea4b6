// The target interface's helpers and the simulated Sensor Demo board: memory, counter, LED, sensors,
// reset, reachability, determinism.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "relay/big_endian.hpp"
#include "relay/simulated_target.hpp"

namespace tapmq::relay {
namespace {

using namespace std::chrono_literals;
namespace sd = sensor_demo;
using Clock = SimulatedTarget::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

SimulatedTarget make(std::uint64_t seed = 1) {
    SimulatedTarget::Options o;
    o.seed = seed;
    o.start = t0;
    SimulatedTarget t(std::move(o));
    EXPECT_TRUE(t.connect().ok());
    return t;
}

std::int32_t read_i32(SimulatedTarget& t, std::uint32_t a) {
    std::array<std::byte, 4> b{};
    EXPECT_TRUE(t.read_memory(a, b).ok());
    return static_cast<std::int32_t>(be::load_u32(b));
}
float read_f32(SimulatedTarget& t, std::uint32_t a) {
    std::array<std::byte, 4> b{};
    EXPECT_TRUE(t.read_memory(a, b).ok());
    return be::load_f32(b);
}
std::uint8_t read_u8(SimulatedTarget& t, std::uint32_t a) {
    std::array<std::byte, 1> b{};
    EXPECT_TRUE(t.read_memory(a, b).ok());
    return std::to_integer<std::uint8_t>(b[0]);
}
void write_i32(SimulatedTarget& t, std::uint32_t a, std::int32_t v) {
    std::array<std::byte, 4> b{};
    be::store_u32(b, static_cast<std::uint32_t>(v));
    ASSERT_TRUE(t.write_memory(a, b).ok());
}
void write_u8(SimulatedTarget& t, std::uint32_t a, std::uint8_t v) {
    std::array<std::byte, 1> b{std::byte{v}};
    ASSERT_TRUE(t.write_memory(a, b).ok());
}

TEST(RelayTarget, MemoryAccessChecksWordSizeAndWrap) {
    EXPECT_EQ((MemoryAccess{0x20000000, 3, 4}.byte_count()), 12u);
    EXPECT_EQ((MemoryAccess{0x20000000, 3, 2}.byte_count()), 6u);
    EXPECT_EQ((MemoryAccess{0x20000000, 0, 1}.byte_count()), 0u);
    EXPECT_FALSE((MemoryAccess{0x20000000, 1, 3}.byte_count()));
    EXPECT_FALSE((MemoryAccess{0x20000000, 1, 0}.byte_count()));
    EXPECT_FALSE((MemoryAccess{0xFFFFFFFC, 2, 4}.byte_count()));
    EXPECT_EQ((MemoryAccess{0xFFFFFFFC, 1, 4}.byte_count()), 4u);
    EXPECT_FALSE((MemoryAccess{0, 0x80000000u, 4}.byte_count()));
    auto e = MemoryAccess{0x20000000, 1, 8}.check();
    EXPECT_EQ(e.code, TargetCode::WrongParam);
    EXPECT_EQ(e.result_code(), 0xB3);
    EXPECT_TRUE((MemoryAccess{0x20000000, 1, 4}.check().ok()));
}

TEST(RelayTarget, CodesAreTheTapVendorCodes) {
    EXPECT_EQ(TargetError::make(TargetCode::UnableToConnect, "x").result_code(), 0xA5);
    EXPECT_EQ(static_cast<int>(TargetCode::ProtocolError), 0xB0);
    EXPECT_EQ(static_cast<int>(TargetCode::NotImplemented), 0xBB);
    EXPECT_STREQ(to_string(TargetCode::UnableToConnect), "unable to connect to target");
}

TEST(RelaySimTarget, DefaultsAfterPowerOn) {
    auto t = make();
    EXPECT_EQ(read_i32(t, sd::kCount), 0);
    EXPECT_EQ(read_i32(t, sd::kPeriod), 1000);
    EXPECT_EQ(read_u8(t, sd::kLedConfig), 2);
    EXPECT_EQ(read_u8(t, sd::kLedStatus), 0);
    float temp = read_f32(t, sd::kTemperature);
    float volt = read_f32(t, sd::kVoltage);
    EXPECT_GE(temp, 22.0f);
    EXPECT_LE(temp, 28.0f);
    EXPECT_GE(volt, 3.25f);
    EXPECT_LE(volt, 3.35f);
}

TEST(RelaySimTarget, StoresBigEndian) {
    auto t = make();
    std::array<std::byte, 4> b{};
    ASSERT_TRUE(t.read_memory(sd::kPeriod, b).ok());
    EXPECT_EQ(b, (std::array<std::byte, 4>{std::byte{0}, std::byte{0}, std::byte{0x03}, std::byte{0xE8}}));
}

TEST(RelaySimTarget, NeedsAConnection) {
    SimulatedTarget t;
    std::array<std::byte, 4> b{};
    EXPECT_FALSE(t.connected());
    EXPECT_EQ(t.read_memory(sd::kCount, b).code, TargetCode::UnableToConnect);
    EXPECT_EQ(t.write_memory(sd::kCount, b).code, TargetCode::UnableToConnect);
    EXPECT_EQ(t.reset().code, TargetCode::UnableToConnect);
    ASSERT_TRUE(t.connect().ok());
    EXPECT_TRUE(t.connect().ok());
    EXPECT_TRUE(t.read_memory(sd::kCount, b).ok());
    t.disconnect();
    EXPECT_EQ(t.read_memory(sd::kCount, b).code, TargetCode::UnableToConnect);
}

TEST(RelaySimTarget, UnreachableBoard) {
    auto t = make();
    std::array<std::byte, 4> b{};
    t.set_reachable(false);
    EXPECT_EQ(t.read_memory(sd::kCount, b).code, TargetCode::LostCom);
    EXPECT_FALSE(t.connected());
    EXPECT_EQ(t.read_memory(sd::kCount, b).code, TargetCode::UnableToConnect);
    EXPECT_EQ(t.connect().code, TargetCode::UnableToConnect);
    t.set_reachable(true);
    EXPECT_TRUE(t.connect().ok());
    EXPECT_TRUE(t.read_memory(sd::kCount, b).ok());
}

TEST(RelaySimTarget, AddressesOutsideRamAreTargetErrors) {
    auto t = make();
    std::array<std::byte, 8> b{};
    EXPECT_EQ(t.read_memory(0x1FFFFFFC, b).code, TargetCode::Forbidden);
    EXPECT_EQ(t.read_memory(0x20000FFC, b).code, TargetCode::Forbidden);  // straddles the end
    EXPECT_EQ(t.read_memory(0xFFFFFFFC, b).code, TargetCode::Forbidden);
    EXPECT_EQ(t.write_memory(0x20001000, b).code, TargetCode::Forbidden);
    EXPECT_EQ(t.read_memory(0x20001000, b).result_code(), 0xB4);
    EXPECT_TRUE(t.read_memory(0x20000FF8, b).ok());
    EXPECT_TRUE(t.read_memory(0x90000000, std::span<std::byte>{}).ok());
    std::vector<std::byte> whole(4096);
    EXPECT_TRUE(t.read_memory(0x20000000, whole).ok());
}

TEST(RelaySimTarget, WordsReadAsBytesInAddressOrder) {
    auto t = make();
    MemoryAccess a{sd::kPeriod, 2, 2};  // Period as two 16-bit words
    std::vector<std::byte> out(*a.byte_count());
    ASSERT_TRUE(t.read_memory(a.address, out).ok());
    EXPECT_EQ(be::load_u16(std::span<const std::byte, 2>(out.data(), 2)), 0);
    EXPECT_EQ(be::load_u16(std::span<const std::byte, 2>(out.data() + 2, 2)), 1000);
}

TEST(RelaySimTarget, CountIncrementsEveryPeriod) {
    auto t = make();
    t.advance_to(t0 + 999ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 0);
    t.advance_to(t0 + 1000ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 1);
    t.advance_to(t0 + 10'500ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 10);
    t.advance_to(t0 + 5s);  // the past: nothing happens
    EXPECT_EQ(read_i32(t, sd::kCount), 10);
    EXPECT_EQ(t.now(), t0 + 10'500ms);
}

TEST(RelaySimTarget, PeriodWriteTakesEffectImmediately) {
    auto t = make();
    t.advance_to(t0 + 2'100ms);  // Count 2, last increment at 2000
    write_i32(t, sd::kPeriod, 100);
    t.advance_to(t0 + 2'100ms);  // 2000 + 100 is now
    EXPECT_EQ(read_i32(t, sd::kCount), 3);
    t.advance_to(t0 + 2'450ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 6);
    write_i32(t, sd::kPeriod, 5000);  // last increment at 2400: next at 7400
    t.advance_to(t0 + 7'399ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 6);
    t.advance_to(t0 + 7'400ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 7);
    write_i32(t, sd::kPeriod, 0);  // stops
    t.advance_to(t0 + 100s);
    EXPECT_EQ(read_i32(t, sd::kCount), 7);
    write_i32(t, sd::kPeriod, 10);  // long past last increment: the next comes at once
    t.advance_to(t0 + 100s);
    EXPECT_EQ(read_i32(t, sd::kCount), 8);
    t.advance_to(t0 + 100s + 30ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 11);
}

TEST(RelaySimTarget, CountWrapsAndFollowsWrites) {
    auto t = make();
    write_i32(t, sd::kCount, 2147483647);
    t.advance_to(t0 + 1s);
    EXPECT_EQ(read_i32(t, sd::kCount), -2147483647 - 1);
    write_i32(t, sd::kCount, 100);
    t.advance_to(t0 + 2s);
    EXPECT_EQ(read_i32(t, sd::kCount), 101);
}

TEST(RelaySimTarget, LedFollowsConfig) {
    auto t = make();
    write_u8(t, sd::kLedConfig, 1);
    EXPECT_EQ(read_u8(t, sd::kLedStatus), 1);
    write_u8(t, sd::kLedConfig, 0);
    EXPECT_EQ(read_u8(t, sd::kLedStatus), 0);
    write_u8(t, sd::kLedConfig, 2);
    for (int i = 1; i <= 5; ++i) {
        t.advance_to(t0 + i * 1s);
        EXPECT_EQ(read_u8(t, sd::kLedStatus), i & 1) << i;
    }
    write_u8(t, sd::kLedConfig, 7);
    EXPECT_EQ(read_u8(t, sd::kLedStatus), 0);
}

TEST(RelaySimTarget, SensorsWanderWithinBounds) {
    auto t = make(42);
    double tsum = 0, vsum = 0;
    float tmin = 100, tmax = -100;
    int n = 0;
    for (auto s = 1s; s <= 3600s; s += 1s, ++n) {
        t.advance_to(t0 + s);
        float temp = read_f32(t, sd::kTemperature);
        float volt = read_f32(t, sd::kVoltage);
        ASSERT_GE(temp, 22.0f);
        ASSERT_LE(temp, 28.0f);
        ASSERT_GE(volt, 3.25f);
        ASSERT_LE(volt, 3.35f);
        tmin = std::min(tmin, temp);
        tmax = std::max(tmax, temp);
        tsum += temp;
        vsum += volt;
    }
    EXPECT_NEAR(tsum / n, 25.0, 1.5);
    EXPECT_NEAR(vsum / n, 3.3, 0.03);
    EXPECT_GT(tmax - tmin, 0.5f);  // it moves
    // ...but not in jumps: one 300 ms monitoring period changes it by well under a degree.
    float a = read_f32(t, sd::kTemperature);
    t.advance_to(t0 + 3600s + 300ms);
    EXPECT_LT(std::fabs(read_f32(t, sd::kTemperature) - a), 0.6f);
}

std::vector<std::byte> snapshot(const SimulatedTarget& t) {
    return {t.ram().begin(), t.ram().end()};
}

TEST(RelaySimTarget, DeterministicAndSeedDependent) {
    auto a = make(7), b = make(7), c = make(8);
    a.advance_to(t0 + 95s);
    for (auto s = 0ms; s <= 95s; s += 37ms)
        b.advance_to(t0 + s);  // split differently
    b.advance_to(t0 + 95s);
    c.advance_to(t0 + 95s);
    EXPECT_EQ(snapshot(a), snapshot(b));
    EXPECT_NE(snapshot(a), snapshot(c));
    EXPECT_EQ(read_i32(a, sd::kCount), read_i32(c, sd::kCount));
}

TEST(RelaySimTarget, LongGapStaysCheap) {
    auto t = make();
    t.advance_to(t0 + 24h * 365);
    EXPECT_EQ(read_i32(t, sd::kCount), 365 * 24 * 3600);
    float temp = read_f32(t, sd::kTemperature);
    EXPECT_GE(temp, 22.0f);
    EXPECT_LE(temp, 28.0f);
}

TEST(RelaySimTarget, ResetRestoresDefaults) {
    auto t = make();
    write_i32(t, sd::kPeriod, 100);
    write_u8(t, sd::kLedConfig, 1);
    std::array<std::byte, 4> junk{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    ASSERT_TRUE(t.write_memory(0x20000100, junk).ok());
    t.advance_to(t0 + 1s);
    EXPECT_EQ(read_i32(t, sd::kCount), 10);
    float temp = read_f32(t, sd::kTemperature);
    ASSERT_TRUE(t.reset().ok());
    EXPECT_EQ(read_i32(t, sd::kCount), 0);
    EXPECT_EQ(read_i32(t, sd::kPeriod), 1000);
    EXPECT_EQ(read_u8(t, sd::kLedConfig), 2);
    EXPECT_EQ(read_i32(t, 0x20000100), 0);
    EXPECT_EQ(read_f32(t, sd::kTemperature), temp);  // physics does not reset
    t.advance_to(t0 + 1999ms);
    EXPECT_EQ(read_i32(t, sd::kCount), 0);
    t.advance_to(t0 + 2s);
    EXPECT_EQ(read_i32(t, sd::kCount), 1);
}

TEST(RelaySimTarget, ClockOptionAdvancesOnEveryOperation) {
    auto now = t0;
    SimulatedTarget::Options o;
    o.start = t0;
    o.clock = [&now] { return now; };
    SimulatedTarget t(std::move(o));
    ASSERT_TRUE(t.connect().ok());
    now = t0 + 3500ms;
    EXPECT_EQ(read_i32(t, sd::kCount), 3);
}

TEST(RelaySimTarget, RejectsRamWithoutTheDemoVariables) {
    SimulatedTarget::Options o;
    o.ram_size = 16;
    EXPECT_THROW(SimulatedTarget{std::move(o)}, std::invalid_argument);
}

}  // namespace
}  // namespace tapmq::relay
