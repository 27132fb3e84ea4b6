// ctl ls: the fleet, from the Taps' retained status messages (<prefix>/status of every Tap, read
// through the template's wildcard filter). The retained messages come right after the SUBACK; the
// list is printed once none has arrived for 300 ms (at most --timeout). --watch then prints each
// change as it happens, until interrupted.
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>

#include "context.hpp"
#include "diagnosis.hpp"
#include "outcome.hpp"
#include "tap/topic_parse.hpp"

namespace tapmq::cli::ctl {

namespace {

struct Seen {
    TapStatus status;
    std::string seen_at;  // when this tool saw the change (the will carries no time)
};

std::string now_iso() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool wanted(const CtlArgs& a, const std::string& serial) {
    if (a.names.empty()) return true;
    for (const auto& f : a.names)
        if (serial.find(f) != std::string::npos) return true;
    return false;
}

nlohmann::ordered_json to_json(const std::string& serial, const Seen& s) {
    nlohmann::ordered_json j;
    j["serial"] = serial;
    j["state"] = s.status.state;
    j["since"] = s.status.since.empty() ? nullptr : nlohmann::ordered_json(s.status.since);
    if (!s.status.reason.empty()) j["reason"] = s.status.reason;
    j["firmware"] = s.status.firmware;
    j["application"] = s.status.application;
    if (s.status.config_version) j["config_version"] = *s.status.config_version;
    return j;
}

std::string since_text(const Seen& s) {
    const auto now = std::chrono::system_clock::now();
    if (!s.status.since.empty()) return short_time(s.status.since, now);
    return s.seen_at.empty() ? "-" : "(seen " + short_time(s.seen_at, now) + ")";
}

std::string state_text(const Seen& s, bool color) {
    std::string st = s.status.state;
    if (!color) return st;
    return (s.status.online() ? "\x1b[32m" : "\x1b[31m") + st + "\x1b[0m";
}

}  // namespace

int ctl_ls(const CtlArgs& a, Session& session, std::FILE* out, bool color) {
    std::map<std::string, Seen> taps;
    bool live = false;
    auto last = Session::Clock::now();
    session.on_message([&](const mqtt::Publish& p) {
        const auto info = tap::parse_tap_topic(a.prefix, p.topic);
        if (!info || info->kind != tap::TopicKind::Status || !wanted(a, info->serial)) return;
        last = Session::Clock::now();
        if (p.payload.empty()) {
            taps.erase(info->serial);
            return;
        }
        auto st = parse_status(p.payload);
        if (!st) return;
        Seen s{std::move(*st), p.retain ? std::string() : now_iso()};
        if (live) {
            if (a.json) {
                const std::string line = to_json(info->serial, s).dump();
                std::fprintf(out, "%s\n", line.c_str());
            } else {
                std::fprintf(out, "%s %-24s %s %s%s\n", now_iso().c_str(), info->serial.c_str(),
                             state_text(s, color).c_str(),
                             s.status.reason.empty() ? "" : ("(" + s.status.reason + ") ").c_str(),
                             s.status.firmware.empty() ? "" : ("firmware " + s.status.firmware).c_str());
            }
            std::fflush(out);
        }
        taps[info->serial] = std::move(s);
    });
    session.subscribe({tap::fleet_filter(a.prefix, "status")});
    last = Session::Clock::now();
    const auto deadline = Session::Clock::now() + std::chrono::duration_cast<Session::Clock::duration>(
                                                      std::chrono::duration<double>(a.timeout));
    // Retained messages follow the SUBACK at once: wait until they stop coming.
    while (Session::Clock::now() < deadline && !session.interrupted()) {
        session.run_until([] { return false; }, std::min(deadline, last + std::chrono::milliseconds(300)));
        if (Session::Clock::now() >= last + std::chrono::milliseconds(300)) break;
    }
    if (a.json) {
        for (const auto& [serial, s] : taps) {
            const std::string line = to_json(serial, s).dump();
            std::fprintf(out, "%s\n", line.c_str());
        }
    } else {
        std::fprintf(out, "%-24s %-8s %-20s %-10s %s\n", "SERIAL", "STATE", "SINCE", "FIRMWARE",
                     "APPLICATION");
        for (const auto& [serial, s] : taps) {
            std::string app = s.status.application;
            if (s.status.config_version) app += " v" + std::to_string(*s.status.config_version);
            const std::string st = state_text(s, color);
            std::fprintf(out, "%-24s %-*s %-20s %-10s %s\n", serial.c_str(), color ? 17 : 8, st.c_str(),
                         since_text(s).c_str(), s.status.firmware.c_str(), app.c_str());
        }
        if (taps.empty())
            std::fprintf(stderr, "no Tap status under %s\n", tap::fleet_filter(a.prefix, "status").c_str());
    }
    std::fflush(out);
    if (!a.watch) return kCtlOk;
    live = true;
    session.run_until([] { return false; }, Session::Clock::now() + std::chrono::hours(24 * 365));
    return kCtlOk;
}

}  // namespace tapmq::cli::ctl
