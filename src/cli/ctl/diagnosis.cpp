// Diagnoses of a silent Tap, from its retained status.
#include "diagnosis.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

namespace tapmq::cli::ctl {

std::optional<TapStatus> parse_status(std::string_view payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("state") || !j["state"].is_string()) return std::nullopt;
    TapStatus s;
    auto str = [&j](const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    s.state = str("state");
    s.serial = str("serial");
    s.firmware = str("firmware");
    s.application = str("application");
    s.since = str("since");
    s.reason = str("reason");
    if (auto it = j.find("config_version"); it != j.end() && it->is_number_integer()) {
        s.config_version = it->get<long long>();
    }
    return s;
}

std::string short_time(const std::string& iso, std::chrono::system_clock::time_point now) {
    // "2026-12-07T12:03:11Z" or with fractional seconds.
    if (iso.size() < 19 || iso[10] != 'T') return iso;
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char today[16];
    std::strftime(today, sizeof today, "%Y-%m-%d", &tm);
    const std::string day = iso.substr(0, 10);
    const std::string clock = iso.substr(11, 8);
    return day == today ? clock : day + " " + clock;
}

std::string no_answer(const std::string& serial, double timeout_s, const std::optional<TapStatus>& status,
                      const std::string& status_topic, std::chrono::system_clock::time_point now) {
    std::string out = fmt::format("no answer from {} in {:g} s; ", serial, timeout_s);
    if (!status) {
        return out + "no status on " + status_topic +
               ": no Tap with this serial number has connected to this broker (check --serial, --prefix "
               "and that the Tap's relay settings name this broker)";
    }
    if (status->online()) {
        std::string since = status->since.empty() ? "" : " since " + short_time(status->since, now);
        return out + "its status says online" + since +
               " (the Tap is connected but did not answer: it may be busy or overloaded, or not subscribed "
               "to its cmd topics; try a longer --timeout)";
    }
    std::string what = "its status says " + status->state;
    if (!status->since.empty()) what += " since " + short_time(status->since, now);
    if (!status->reason.empty()) what += ", " + status->reason;
    return out + what + " (the Tap is not connected to the broker)";
}

}  // namespace tapmq::cli::ctl
