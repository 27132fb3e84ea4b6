// AlarmEvaluator (above/below with hysteresis, change, NaN, several rules per variable, the event's
// JSON) and Sampler (which bundles are due when).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "relay/alarms.hpp"
#include "relay/sampler.hpp"

namespace tapmq::relay {
namespace {

using namespace std::chrono_literals;
using Kind = AlarmEvent::Kind;
using SysClock = std::chrono::system_clock;

const SysClock::time_point kT = SysClock::time_point{} + 1'765'000'000s;

tap::AlarmRule rule(std::uint16_t id, std::string name, std::uint16_t var, tap::AlarmKind kind,
                    double threshold, double hysteresis = 0) {
    tap::AlarmRule r;
    r.id = id;
    r.name = std::move(name);
    r.variable_id = var;
    r.kind = kind;
    r.threshold = threshold;
    r.hysteresis = hysteresis;
    return r;
}

// The kinds of the events a sequence of samples causes, as a string: R raised, C cleared, X changed, . none.
std::string trace(AlarmEvaluator& ev, std::uint16_t var, std::initializer_list<double> values) {
    std::string out;
    for (double v : values) {
        auto events = ev.sample(var, v, kT);
        if (events.empty()) out += '.';
        for (auto& e : events)
            out += e.kind == Kind::Raised ? 'R' : e.kind == Kind::Cleared ? 'C' : 'X';
    }
    return out;
}

TEST(RelayAlarms, AboveWithHysteresis) {
    AlarmEvaluator ev({rule(1, "Temperature_high", 5, tap::AlarmKind::Above, 30, 0.5)});
    EXPECT_EQ(trace(ev, 5, {25, 30, 30.1, 31, 29.6, 29.5, 29.49, 29.8, 30.01, 30.0}), "..R...C.R.");
}

TEST(RelayAlarms, BelowWithHysteresis) {
    AlarmEvaluator ev({rule(2, "Voltage_low", 6, tap::AlarmKind::Below, 3.1, 0.05)});
    EXPECT_EQ(trace(ev, 6, {3.3, 3.1, 3.09, 3.0, 3.14, 3.15, 3.151, 3.12, 3.0}), "..R...C.R");
    EXPECT_TRUE(ev.raised(2));
}

TEST(RelayAlarms, FirstSampleAlreadyPastTheThresholdRaises) {
    AlarmEvaluator ev({rule(1, "hot", 5, tap::AlarmKind::Above, 30)});
    EXPECT_EQ(trace(ev, 5, {35, 29.99, 30, 30.5}), "RC.R");
}

TEST(RelayAlarms, ChangeEvents) {
    AlarmEvaluator ev({rule(3, "LEDConfig_changed", 3, tap::AlarmKind::Change, 0)});
    EXPECT_EQ(trace(ev, 3, {2, 2, 1, 1, 0, 2}), "..X.XX");
    auto e = ev.sample(3, 1, kT);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].previous, 2.0);
    EXPECT_EQ(e[0].value, 1.0);
    EXPECT_FALSE(ev.raised(3));
}

TEST(RelayAlarms, ChangeWithAThresholdMeasuresFromTheLastReport) {
    AlarmEvaluator ev({rule(4, "Temperature_moved", 5, tap::AlarmKind::Change, 1.0)});
    // Baseline 25; 25.6 and 25.9 are within 1 of it; 26.1 is not (reported, new baseline 26.1).
    EXPECT_EQ(trace(ev, 5, {25, 25.6, 25.9, 26.1, 25.2, 25.0}), "...X.X");
}

TEST(RelayAlarms, EventCarriesRuleVariableValueTime) {
    AlarmEvaluator ev({rule(1, "Temperature_high", 5, tap::AlarmKind::Above, 30, 0.5)});
    auto e = ev.sample(5, 30.25, kT + 123ms);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0], (AlarmEvent{Kind::Raised, 1, "Temperature_high", 5, 30.25, std::nullopt, kT + 123ms}));
    EXPECT_EQ(
        to_json(e[0], "Temperature_C"),
        R"({"event":"raised","alarm":1,"name":"Temperature_high","variable":5,"variable_name":"Temperature_C",)"
        R"("value":30.25,"time":"2025-12-06T05:46:40.123Z"})");
    AlarmEvent changed{Kind::Changed, 3, "c", 3, 1, 2.0, SysClock::time_point{}};
    EXPECT_EQ(to_json(changed),
              R"({"event":"changed","alarm":3,"name":"c","variable":3,"value":1.0,"previous":2.0,)"
              R"("time":"1970-01-01T00:00:00.000Z"})");
}

TEST(RelayAlarms, OtherVariablesAndNanChangeNothing) {
    AlarmEvaluator ev(
        {rule(1, "hot", 5, tap::AlarmKind::Above, 30), rule(3, "c", 3, tap::AlarmKind::Change, 0)});
    EXPECT_TRUE(ev.sample(6, 100, kT).empty());
    EXPECT_TRUE(ev.watches(5));
    EXPECT_TRUE(ev.watches(3));
    EXPECT_FALSE(ev.watches(6));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(trace(ev, 5, {31, nan, 20}), "R.C");
    EXPECT_EQ(trace(ev, 3, {nan, 1, nan, 1, 2}), "....X");
}

TEST(RelayAlarms, SeveralRulesOnOneVariableInRuleOrder) {
    AlarmEvaluator ev({rule(7, "very_hot", 5, tap::AlarmKind::Above, 40),
                       rule(1, "hot", 5, tap::AlarmKind::Above, 30),
                       rule(9, "moved", 5, tap::AlarmKind::Change, 5)});
    ev.sample(5, 25, kT);
    auto e = ev.sample(5, 45, kT);
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].rule_id, 7);
    EXPECT_EQ(e[1].rule_id, 1);
    EXPECT_EQ(e[2].rule_id, 9);
    EXPECT_EQ(e[2].kind, Kind::Changed);
    ev.forget();
    EXPECT_FALSE(ev.raised(7));
    EXPECT_EQ(ev.sample(5, 45, kT).size(), 2u);  // raised again; the change rule has a new baseline
}

tap::Bundle bundle(std::uint16_t id, std::uint32_t monitoring_ms, std::uint32_t datalog_ms) {
    tap::Bundle b;
    b.id = id;
    b.monitoring_period_ms = monitoring_ms;
    b.datalog_period_ms = datalog_ms;
    return b;
}

using SC = Sampler::Clock;
const SC::time_point kStart = SC::time_point{} + 50h;

TEST(RelaySampler, SensorDemoSchedule) {
    Sampler s({bundle(1, 500, 60'000), bundle(2, 300, 60'000), bundle(3, 2000, 60'000)}, kStart);
    EXPECT_EQ(s.next_due(), kStart);
    EXPECT_EQ(s.due(kStart), (std::vector<Sampler::Due>{{1, true, true}, {2, true, true}, {3, true, true}}));
    EXPECT_EQ(s.next_due(), kStart + 300ms);
    EXPECT_TRUE(s.due(kStart + 299ms).empty());
    EXPECT_EQ(s.due(kStart + 300ms), (std::vector<Sampler::Due>{{2, true, false}}));
    EXPECT_EQ(s.next_due(), kStart + 500ms);
    EXPECT_EQ(s.due(kStart + 500ms), (std::vector<Sampler::Due>{{1, true, false}}));
    EXPECT_EQ(s.next_due(), kStart + 600ms);
    // Count the monitoring samples of each bundle over a minute, stepping to next_due().
    int counts[4] = {};
    int datalogs = 0;
    for (auto t = *s.next_due(); t < kStart + 60s; t = *s.next_due()) {
        for (auto& d : s.due(t)) {
            counts[d.bundle_id] += d.monitoring;
            datalogs += d.datalog;
        }
    }
    EXPECT_EQ(counts[1], 120 - 2);  // 0.5 s slots in (0, 60 s), minus 0 and 0.5 taken above
    EXPECT_EQ(counts[2], 200 - 2);
    EXPECT_EQ(counts[3], 30 - 1);
    EXPECT_EQ(datalogs, 0);
    EXPECT_EQ(s.due(kStart + 60s),
              (std::vector<Sampler::Due>{{1, true, true}, {2, true, true}, {3, true, true}}));
}

TEST(RelaySampler, MissedSlotsAreDueOnceAndTheGridHolds) {
    Sampler s({bundle(1, 1000, 0)}, kStart);
    s.due(kStart);
    EXPECT_EQ(s.due(kStart + 5'300ms).size(), 1u);  // five slots missed: due once
    EXPECT_EQ(s.next_due(), kStart + 6s);           // back on the grid, no drift
    EXPECT_TRUE(s.due(kStart + 5'900ms).empty());
}

TEST(RelaySampler, PeriodZeroIsNever) {
    Sampler s({bundle(1, 0, 0), bundle(2, 0, 1000)}, kStart);
    EXPECT_EQ(s.due(kStart), (std::vector<Sampler::Due>{{2, false, true}}));
    EXPECT_EQ(s.next_due(), kStart + 1s);
    Sampler none({bundle(1, 0, 0)}, kStart);
    EXPECT_FALSE(none.next_due());
    EXPECT_TRUE(none.due(kStart + 1h).empty());
    EXPECT_TRUE(Sampler({bundle(1, 10, 10)}, kStart).due(kStart - 1ms).empty());
}

}  // namespace
}  // namespace tapmq::relay
