// Datalog records and alarm events at the project's periods (monitor.hpp).
#include "monitor.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "tap/value.hpp"

namespace tapmq::relay::runtime {

std::string iso8601_ms(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    const std::time_t s = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[40];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

Monitor::Monitor(const tap::Project& project, std::string serial, Sampler::Clock::time_point start)
    : project_(project),
      serial_(std::move(serial)),
      sampler_(project.bundles(), start),
      alarms_(project.alarms()) {}

bool Monitor::watched(const tap::Bundle& b) const {
    for (auto id : b.variable_ids)
        if (alarms_.watches(id)) return true;
    return false;
}

MonitorOutput Monitor::run(Target& target, Sampler::Clock::time_point now,
                           std::chrono::system_clock::time_point wall) {
    MonitorOutput out;
    for (const auto& due : sampler_.due(now)) {
        const tap::Bundle* b = project_.bundle(due.bundle_id);
        if (!b) continue;
        const bool monitor = due.monitoring && watched(*b);
        if (!monitor && !due.datalog) continue;
        nlohmann::ordered_json values = nlohmann::ordered_json::object();
        std::vector<AlarmEvent> events;
        bool failed = false;
        for (auto id : b->variable_ids) {
            const tap::Variable* v = project_.variable(id);
            if (!v) continue;
            std::string raw(v->size(), '\0');
            if (auto e = target.read_memory(v->address,
                                            std::as_writable_bytes(std::span(raw.data(), raw.size())))) {
                out.errors.push_back("bundle " + b->name + ": reading " + v->name + ": " + e.message);
                failed = true;
                break;
            }
            const auto numbers = tap::decode_value(*v, raw);
            values[v->name] = tap::value_to_json(*v, numbers);
            if (monitor && numbers.size() == 1) alarms_.sample(id, numbers.front(), wall, events);
        }
        if (failed) continue;
        for (const auto& e : events) {
            const tap::Variable* v = project_.variable(e.variable_id);
            out.events.push_back(to_json(e, v ? std::string_view(v->name) : std::string_view{}));
        }
        if (due.datalog) {
            nlohmann::ordered_json r;
            r["serial"] = serial_;
            r["time"] = iso8601_ms(wall);
            r["bundle"] = b->name;
            r["bundle_id"] = b->id;
            r["values"] = std::move(values);
            out.records.push_back(r.dump());
        }
    }
    return out;
}

std::optional<Sampler::Clock::time_point> Monitor::next_due() const {
    return sampler_.next_due();
}

}  // namespace tapmq::relay::runtime
