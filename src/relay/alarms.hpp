// Alarm evaluation: the project's alarm rules (tap::AlarmRule) applied to sampled values, producing
// the events the runtime publishes on <prefix>/event. Pure: no clock (the caller passes the sample's
// time), no I/O.
//
// - Above: raised when the value goes above the threshold (value > threshold); cleared only when it
//   falls back below threshold - hysteresis (value < threshold - hysteresis). Below mirrors it:
//   raised when value < threshold, cleared when value > threshold + hysteresis. A first sample
//   already past the threshold raises at once; nothing is "cleared" that was never raised.
// - Change: an event each time the value differs from the last value reported by more than the
//   threshold (threshold 0: any change). The first sample sets the baseline without an event.
// - A NaN sample changes nothing (a float variable may hold any bit pattern).
// Several rules may watch one variable; events come in the project's rule order.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tap/project.hpp"

namespace tapmq::relay {

struct AlarmEvent {
    enum class Kind : std::uint8_t { Raised, Cleared, Changed };
    Kind kind = Kind::Raised;
    std::uint16_t rule_id = 0;
    std::string rule_name;
    std::uint16_t variable_id = 0;
    double value = 0;
    std::optional<double> previous;  // Changed: the value reported before
    std::chrono::system_clock::time_point time;

    bool operator==(const AlarmEvent&) const = default;
};

std::string_view name(AlarmEvent::Kind kind) noexcept;  // "raised", "cleared", "changed"

// The JSON of an event, as the Tap publishes it on <prefix>/event (our decision), e.g.
//   {"event":"raised","alarm":1,"name":"Temperature_high","variable":5,"variable_name":"Temperature_C",
//    "value":30.25,"time":"2026-12-07T16:30:00.123Z"}
// "variable_name" only when given; "previous" only for "changed". Time: UTC, milliseconds.
std::string to_json(const AlarmEvent& event, std::string_view variable_name = {});

class AlarmEvaluator {
  public:
    explicit AlarmEvaluator(std::vector<tap::AlarmRule> rules);

    // Feeds one sample of a variable; appends the events it causes to `out` and returns how many.
    std::size_t sample(std::uint16_t variable_id, double value, std::chrono::system_clock::time_point time,
                       std::vector<AlarmEvent>& out);
    std::vector<AlarmEvent> sample(std::uint16_t variable_id, double value,
                                   std::chrono::system_clock::time_point time);

    // Whether an above/below rule is raised now (false for unknown ids and change rules).
    bool raised(std::uint16_t rule_id) const noexcept;
    // Whether any rule watches the variable (the runtime samples only those).
    bool watches(std::uint16_t variable_id) const noexcept;
    const std::vector<tap::AlarmRule>& rules() const noexcept { return rules_; }
    // Forgets every state without events: nothing raised, no change baseline.
    void forget() noexcept;

  private:
    struct RuleState {
        bool raised = false;
        std::optional<double> last;  // Change: the last value reported (or the baseline)
    };
    std::vector<tap::AlarmRule> rules_;
    std::vector<RuleState> states_;
};

}  // namespace tapmq::relay
