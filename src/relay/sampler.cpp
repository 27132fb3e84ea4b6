// Sampler: per-bundle monitoring and datalog schedules on a fixed grid.
#include "sampler.hpp"

namespace tapmq::relay {

Sampler::Sampler(const std::vector<tap::Bundle>& bundles, Clock::time_point start) : start_(start) {
    for (const auto& b : bundles) {
        entries_.push_back(Entry{b.id,
                                 {std::chrono::milliseconds(b.monitoring_period_ms), start},
                                 {std::chrono::milliseconds(b.datalog_period_ms), start}});
    }
}

bool Sampler::take(Schedule& s, Clock::time_point t) const {
    if (s.period.count() <= 0 || s.next > t) return false;
    const auto slots = (t - start_) / s.period + 1;  // the first slot after t
    s.next = start_ + slots * s.period;
    return true;
}

std::vector<Sampler::Due> Sampler::due(Clock::time_point t) {
    std::vector<Due> out;
    for (auto& e : entries_) {
        const bool m = take(e.monitoring, t);
        const bool d = take(e.datalog, t);
        if (m || d) out.push_back(Due{e.bundle_id, m, d});
    }
    return out;
}

std::optional<Sampler::Clock::time_point> Sampler::next_due() const {
    std::optional<Clock::time_point> best;
    for (const auto& e : entries_) {
        for (const Schedule* s : {&e.monitoring, &e.datalog}) {
            if (s->period.count() > 0 && (!best || s->next < *best)) best = s->next;
        }
    }
    return best;
}

}  // namespace tapmq::relay
