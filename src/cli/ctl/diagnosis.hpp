// Why a Tap did not answer, in one sentence, from its retained status (<prefix>/status) as the
// requester last saw it: "no answer from IoTzPr0041 in 5 s; its status says offline since 12:03:11
// (the Tap is not connected to the broker)". Also reads a status message for `ctl ls`. Pure: the
// current time is a parameter.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tapmq::cli::ctl {

// A Tap's status message (the runtime's JSON, see src/relay/runtime/status.hpp):
// {"state":"online","serial":..,"firmware":..,"application":..,"config_version":1,"since":"...Z"}
// {"state":"offline","serial":..,"reason":"connection lost"}   (the will: no "since")
struct TapStatus {
    std::string state;  // "online", "offline", or what the message said
    std::string serial;
    std::string firmware;
    std::string application;
    std::optional<long long> config_version;
    std::string since;   // ISO 8601 UTC as sent; empty when absent
    std::string reason;  // offline: "connection lost", "stopped"...
    bool online() const noexcept { return state == "online"; }
};

// nullopt when the payload is not a JSON object with a string "state".
std::optional<TapStatus> parse_status(std::string_view payload);

// "12:03:11" when `iso` is on the same UTC day as `now`, else "2026-12-06 12:03:11"; `iso` as given
// when it is not ISO 8601.
std::string short_time(const std::string& iso, std::chrono::system_clock::time_point now);

// The sentence for a request that got no answer within timeout_s. `status` is the retained status
// seen (nullopt: none was published), `status_topic` the topic it was read from.
std::string no_answer(const std::string& serial, double timeout_s, const std::optional<TapStatus>& status,
                      const std::string& status_topic, std::chrono::system_clock::time_point now);

}  // namespace tapmq::cli::ctl
