// What a Tap does on its own, at the project's periods: bundles due for datalog become datalog
// records (JSON, for <prefix>/data), and bundles due for monitoring that hold a variable an alarm
// watches feed the alarm rules, whose events become JSON for <prefix>/event. Values are read from
// the target directly (no login: the Tap reads its own target). Pure apart from the target's
// reads: the caller passes the times and arms its timer for next_due().
//
// Datalog record (our decision), one per bundle and period:
//   {"serial":"IoTzPr0041","time":"2026-12-07T16:30:00.123Z","bundle":"Count_Status","bundle_id":1,
//    "values":{"Count":42,"LEDStatus":1}}
// "values" by variable name, typed: a number (integer types give integers), an array for a variable
// of several elements, null for a float that is not finite. A bundle the target cannot be read for
// (0xA5 not connected...) gives no record.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "relay/alarms.hpp"
#include "relay/sampler.hpp"
#include "relay/target.hpp"
#include "tap/project.hpp"

namespace tapmq::relay::runtime {

struct MonitorOutput {
    std::vector<std::string> records;  // datalog records, JSON
    std::vector<std::string> events;   // alarm events, JSON
    std::vector<std::string> errors;   // target reads that failed, for the log
};

class Monitor {
  public:
    Monitor(const tap::Project& project, std::string serial, Sampler::Clock::time_point start);

    MonitorOutput run(Target& target, Sampler::Clock::time_point now,
                      std::chrono::system_clock::time_point wall);
    std::optional<Sampler::Clock::time_point> next_due() const;

  private:
    bool watched(const tap::Bundle& b) const;

    const tap::Project& project_;
    std::string serial_;
    Sampler sampler_;
    AlarmEvaluator alarms_;
};

// "2026-12-07T16:30:00.123Z"
std::string iso8601_ms(std::chrono::system_clock::time_point t);

}  // namespace tapmq::relay::runtime
