// The retained status message of a Tap (status.hpp).
#include "status.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace tapmq::relay::runtime {

std::string iso8601(std::chrono::system_clock::time_point t) {
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string online_status(const TapIdentityInfo& tap, std::chrono::system_clock::time_point since) {
    nlohmann::ordered_json j;
    j["state"] = "online";
    j["serial"] = tap.serial;
    j["firmware"] = tap.firmware;
    j["application"] = tap.application;
    j["config_version"] = tap.config_version;
    j["since"] = iso8601(since);
    return j.dump();
}

std::string offline_status(const TapIdentityInfo& tap, std::string_view reason,
                           std::chrono::system_clock::time_point* since) {
    nlohmann::ordered_json j;
    j["state"] = "offline";
    j["serial"] = tap.serial;
    j["reason"] = std::string(reason);
    if (since) j["since"] = iso8601(*since);
    return j.dump();
}

}  // namespace tapmq::relay::runtime
