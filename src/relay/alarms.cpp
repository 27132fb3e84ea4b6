// AlarmEvaluator: above/below with hysteresis, change events; and the event's JSON.
#include "alarms.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace tapmq::relay {

std::string_view name(AlarmEvent::Kind kind) noexcept {
    switch (kind) {
        case AlarmEvent::Kind::Raised:
            return "raised";
        case AlarmEvent::Kind::Cleared:
            return "cleared";
        case AlarmEvent::Kind::Changed:
            return "changed";
    }
    return "unknown";
}

namespace {

std::string utc_millis(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms / 1000);
    auto rem = static_cast<int>(ms % 1000);
    if (rem < 0) {
        rem += 1000;
        --secs;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rem);
    return buf;
}

}  // namespace

std::string to_json(const AlarmEvent& e, std::string_view variable_name) {
    nlohmann::ordered_json j;
    j["event"] = name(e.kind);
    j["alarm"] = e.rule_id;
    j["name"] = e.rule_name;
    j["variable"] = e.variable_id;
    if (!variable_name.empty()) j["variable_name"] = variable_name;
    j["value"] = e.value;
    if (e.previous) j["previous"] = *e.previous;
    j["time"] = utc_millis(e.time);
    return j.dump();
}

AlarmEvaluator::AlarmEvaluator(std::vector<tap::AlarmRule> rules)
    : rules_(std::move(rules)), states_(rules_.size()) {}

std::size_t AlarmEvaluator::sample(std::uint16_t variable_id, double value,
                                   std::chrono::system_clock::time_point time, std::vector<AlarmEvent>& out) {
    if (std::isnan(value)) return 0;
    const auto before = out.size();
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const auto& r = rules_[i];
        if (r.variable_id != variable_id) continue;
        auto& s = states_[i];
        auto emit = [&](AlarmEvent::Kind kind, std::optional<double> previous) {
            out.push_back(AlarmEvent{kind, r.id, r.name, r.variable_id, value, previous, time});
        };
        switch (r.kind) {
            case tap::AlarmKind::Above:
                if (!s.raised && value > r.threshold) {
                    s.raised = true;
                    emit(AlarmEvent::Kind::Raised, std::nullopt);
                } else if (s.raised && value < r.threshold - r.hysteresis) {
                    s.raised = false;
                    emit(AlarmEvent::Kind::Cleared, std::nullopt);
                }
                break;
            case tap::AlarmKind::Below:
                if (!s.raised && value < r.threshold) {
                    s.raised = true;
                    emit(AlarmEvent::Kind::Raised, std::nullopt);
                } else if (s.raised && value > r.threshold + r.hysteresis) {
                    s.raised = false;
                    emit(AlarmEvent::Kind::Cleared, std::nullopt);
                }
                break;
            case tap::AlarmKind::Change:
                if (!s.last) {
                    s.last = value;
                } else if (r.threshold > 0 ? std::fabs(value - *s.last) > r.threshold : value != *s.last) {
                    emit(AlarmEvent::Kind::Changed, s.last);
                    s.last = value;
                }
                break;
        }
    }
    return out.size() - before;
}

std::vector<AlarmEvent> AlarmEvaluator::sample(std::uint16_t variable_id, double value,
                                               std::chrono::system_clock::time_point time) {
    std::vector<AlarmEvent> out;
    sample(variable_id, value, time, out);
    return out;
}

bool AlarmEvaluator::raised(std::uint16_t rule_id) const noexcept {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        if (rules_[i].id == rule_id) return states_[i].raised;
    }
    return false;
}

bool AlarmEvaluator::watches(std::uint16_t variable_id) const noexcept {
    for (const auto& r : rules_) {
        if (r.variable_id == variable_id) return true;
    }
    return false;
}

void AlarmEvaluator::forget() noexcept {
    for (auto& s : states_)
        s = RuleState{};
}

}  // namespace tapmq::relay
