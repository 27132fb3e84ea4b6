// The pieces together on the shipped Sensor Demo project: its variables read from the simulated
// board decode to the board's values, its alarms watch them, its bundles are sampled on time.
#include <gtest/gtest.h>

#include <string>

#include "relay/alarms.hpp"
#include "relay/sampler.hpp"
#include "relay/simulated_target.hpp"
#include "tap/sensor_demo.hpp"
#include "tap/value.hpp"

namespace tapmq::relay {
namespace {

using namespace std::chrono_literals;
using Clock = SimulatedTarget::Clock;

double read_variable(SimulatedTarget& t, const tap::Variable& v) {
    std::string raw(v.size(), '\0');
    auto e = t.read_memory(v.address, std::as_writable_bytes(std::span<char>(raw.data(), raw.size())));
    EXPECT_TRUE(e.ok()) << e.message;
    return tap::decode_value(v, raw).at(0);
}

TEST(RelayDemo, ProjectVariablesReadFromTheSimulatedBoard) {
    const auto& project = tap::sensor_demo_project();
    const auto t0 = Clock::time_point{} + 10h;
    SimulatedTarget::Options options;
    options.seed = 3;
    options.start = t0;
    SimulatedTarget board(options);
    ASSERT_TRUE(board.connect().ok());
    board.advance_to(t0 + 5500ms);
    EXPECT_EQ(read_variable(board, *project.variable("Count")), 5);
    EXPECT_EQ(read_variable(board, *project.variable("Period")), 1000);
    EXPECT_EQ(read_variable(board, *project.variable("LEDConfig")), 2);
    EXPECT_EQ(read_variable(board, *project.variable("LEDStatus")), 1);
    double temp = read_variable(board, *project.variable("Temperature_C"));
    EXPECT_GE(temp, 22);
    EXPECT_LE(temp, 28);
    double volt = read_variable(board, *project.variable("Voltage_V"));
    EXPECT_GE(volt, 3.25);
    EXPECT_LE(volt, 3.35);

    // A write encoded by the project lands where the board looks.
    const auto& period = *project.variable("Period");
    auto raw = tap::encode_value(period, {100});
    ASSERT_TRUE(
        board.write_memory(period.address, std::as_bytes(std::span<const char>(raw.data(), raw.size())))
            .ok());
    board.advance_to(t0 + 6000ms);  // 5000 + 100 has passed: increments at 5500, 5600, ... 6000
    EXPECT_EQ(read_variable(board, *project.variable("Count")), 11);
}

TEST(RelayDemo, AlarmsAndSamplingOfTheDemoProject) {
    const auto& project = tap::sensor_demo_project();
    AlarmEvaluator alarms(project.alarms());
    const auto led = project.variable("LEDConfig")->id;
    const auto temp = project.variable("Temperature_C")->id;
    EXPECT_TRUE(alarms.watches(led));
    EXPECT_TRUE(alarms.watches(temp));
    const auto now = std::chrono::system_clock::time_point{} + 1'700'000'000s;
    EXPECT_TRUE(alarms.sample(led, 2, now).empty());
    auto e = alarms.sample(led, 1, now);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rule_name, "LEDConfig_changed");
    EXPECT_EQ(alarms.sample(temp, 31, now).at(0).rule_name, "Temperature_high");

    const auto t0 = Clock::time_point{} + 10h;
    Sampler sampler(project.bundles(), t0);
    EXPECT_EQ(sampler.due(t0).size(), 3u);
    EXPECT_EQ(sampler.next_due(), t0 + 300ms);  // Sensors
}

}  // namespace
}  // namespace tapmq::relay
