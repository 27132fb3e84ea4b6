// Which bundles are due for sampling at time t: each bundle has a monitoring period (sample for
// alarms and live values) and a datalog period (push a record to the datalog queue), 0 meaning
// never. Schedules sit on a fixed grid from `start` (first due at start itself, then every period),
// so they do not drift; a bundle whose slot was missed (the runtime was busy, the target away) is
// due once, not once per missed slot, and its next slot is the first one after t. Pure: the caller
// passes the time and arms its timer for next_due().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "tap/project.hpp"

namespace tapmq::relay {

class Sampler {
  public:
    using Clock = std::chrono::steady_clock;

    struct Due {
        std::uint16_t bundle_id = 0;
        bool monitoring = false;
        bool datalog = false;
        bool operator==(const Due&) const = default;
    };

    Sampler(const std::vector<tap::Bundle>& bundles, Clock::time_point start);

    // The bundles due at or before t, in the project's order, each once with what it is due for;
    // their schedules move past t.
    std::vector<Due> due(Clock::time_point t);
    // The earliest time something is due; nullopt when no bundle has a period.
    std::optional<Clock::time_point> next_due() const;

  private:
    struct Schedule {
        std::chrono::milliseconds period{0};
        Clock::time_point next;
    };
    struct Entry {
        std::uint16_t bundle_id;
        Schedule monitoring, datalog;
    };
    bool take(Schedule& s, Clock::time_point t) const;

    Clock::time_point start_;
    std::vector<Entry> entries_;
};

}  // namespace tapmq::relay
