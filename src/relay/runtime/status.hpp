// The retained status message of a Tap on <prefix>/status (tap-protocol.md §5): online when it
// connects, offline by its will or when it stops. JSON, e.g.
//   {"state":"online","serial":"IoTzPr0041","firmware":"1.0.0","application":"Sensor_demo",
//    "config_version":1,"since":"2026-12-07T16:30:00Z"}
//   {"state":"offline","serial":"IoTzPr0041","reason":"connection lost"}      (the will)
//   {"state":"offline","serial":"IoTzPr0041","reason":"stopped","since":"..."} (a clean exit)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tapmq::relay::runtime {

struct TapIdentityInfo {
    std::string serial;
    std::string firmware;
    std::string application;
    std::uint32_t config_version = 0;
};

// "2026-12-07T16:30:00Z" (UTC, seconds).
std::string iso8601(std::chrono::system_clock::time_point t);

std::string online_status(const TapIdentityInfo& tap, std::chrono::system_clock::time_point since);
// `since`: the time of a clean exit; the will has none (nobody knows when the connection will be lost).
std::string offline_status(const TapIdentityInfo& tap, std::string_view reason,
                           std::chrono::system_clock::time_point* since = nullptr);

}  // namespace tapmq::relay::runtime
