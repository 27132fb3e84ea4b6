// ctl watch: bundles read at their monitoring periods; a live table on a terminal (changed values
// highlighted), one line per sample when piped, one JSON object per sample with --json.
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/object_model.hpp"
#include "tap/protocol_error.hpp"
#include "tap/value.hpp"

namespace tapmq::cli::ctl {

namespace {

using Clock = Session::Clock;

std::string wall_time(bool date) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const auto n = std::strftime(buf, sizeof buf, date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, date ? ".%03lldZ" : ".%03lld", static_cast<long long>(ms));
    return buf;
}

struct Watched {
    const tap::Bundle* bundle;
    Clock::time_point due;
    std::vector<std::string> values;  // as last shown
    std::vector<bool> changed;
};

void draw_table(Context& c, const std::vector<Watched>& ws) {
    std::string out = "\x1b[H\x1b[2J";  // home, clear
    out += "tapmq ctl watch " + c.tap.serial() + "   " + wall_time(false) + " UTC   (Ctrl-C to stop)\n\n";
    for (const auto& w : ws) {
        out += "\x1b[1m" + w.bundle->name + "\x1b[0m every " +
               std::to_string(w.bundle->monitoring_period_ms) + " ms\n";
        for (std::size_t i = 0; i < w.bundle->variable_ids.size(); ++i) {
            const tap::Variable& v = *c.project.variable(w.bundle->variable_ids[i]);
            const std::string value = i < w.values.size() ? w.values[i] : "-";
            const bool hi = i < w.changed.size() && w.changed[i];
            char line[256];
            std::snprintf(line, sizeof line, "  %-20s %s%14s%s %s\n", v.name.c_str(), hi ? "\x1b[1;33m" : "",
                          value.c_str(), hi ? "\x1b[0m" : "", v.unit.c_str());
            out += line;
        }
        out += "\n";
    }
    std::fwrite(out.data(), 1, out.size(), c.out);
    std::fflush(c.out);
}

}  // namespace

int ctl_watch(Context& c) {
    std::vector<Watched> ws;
    const auto start = Clock::now();
    if (c.args.names.empty()) {
        for (const auto& b : c.project.bundles())
            if (b.monitoring_period_ms > 0) ws.push_back({&b, start, {}, {}});
    } else {
        for (const auto& n : c.args.names) {
            const tap::Bundle& b = find_bundle(c.project, n);
            if (b.monitoring_period_ms == 0) {
                throw CtlError(kCtlBadInput, "bundle " + b.name + " has no monitoring period in the project");
            }
            ws.push_back({&b, start, {}, {}});
        }
    }
    if (ws.empty()) throw CtlError(kCtlNotFound, "no bundle of the project has a monitoring period");
    const bool table = c.color && !c.args.json;
    unsigned samples = 0;
    while (!ws.empty()) {
        auto next = std::min_element(ws.begin(), ws.end(),
                                     [](const Watched& a, const Watched& b) { return a.due < b.due; });
        c.session.run_until([] { return false; }, next->due);
        if (c.session.interrupted()) break;
        Watched& w = *next;
        const auto period = std::chrono::milliseconds(w.bundle->monitoring_period_ms);
        w.due += period;
        if (w.due < Clock::now()) w.due = Clock::now() + period;  // fell behind: no burst to catch up
        const tap::TapRequest req{tap::Method::Get, tap::paths::bundle_values(w.bundle->id), {}};
        tap::TapResponse r;
        try {
            r = c.tap.expect(req, "GET bundle " + w.bundle->name);
        } catch (const CtlError& e) {
            if (e.code() != kCtlRefused || ws.size() == 1) throw;
            std::fprintf(stderr, "tapmq ctl: bundle %s left out: %s\n", w.bundle->name.c_str(), e.what());
            ws.erase(next);
            continue;
        }
        std::vector<std::string> parts;
        try {
            parts = tap::split_bundle_values(c.project, *w.bundle, r.data);
        } catch (const tap::ProtocolError& e) {
            throw CtlError(kCtlTapError,
                           "bundle " + w.bundle->name + ": " + e.what() + " (does --project match the Tap?)");
        }
        nlohmann::ordered_json values = nlohmann::ordered_json::object();
        std::vector<std::string> shown;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const tap::Variable& v = *c.project.variable(w.bundle->variable_ids[i]);
            const auto numbers = tap::decode_value(v, parts[i]);
            values[v.name] = tap::value_to_json(v, numbers);
            shown.push_back(tap::format_value(v, numbers));
        }
        w.changed.assign(shown.size(), false);
        for (std::size_t i = 0; i < shown.size() && i < w.values.size(); ++i)
            w.changed[i] = shown[i] != w.values[i];
        w.values = shown;
        if (c.args.json) {
            nlohmann::ordered_json j;
            j["time"] = wall_time(true);
            j["serial"] = c.tap.serial();
            j["bundle"] = w.bundle->name;
            j["values"] = values;
            const std::string line = j.dump();
            std::fprintf(c.out, "%s\n", line.c_str());
            std::fflush(c.out);
        } else if (table) {
            draw_table(c, ws);
        } else {
            std::string line = wall_time(false) + " " + w.bundle->name;
            for (std::size_t i = 0; i < shown.size(); ++i)
                line += " " + c.project.variable(w.bundle->variable_ids[i])->name + "=" + shown[i];
            std::fprintf(c.out, "%s\n", line.c_str());
            std::fflush(c.out);
        }
        if (c.args.count > 0 && ++samples >= c.args.count) break;
    }
    return kCtlOk;
}

}  // namespace tapmq::cli::ctl
