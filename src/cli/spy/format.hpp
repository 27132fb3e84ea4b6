// How the spy prints an event or an alert: a line (coloured on a terminal), one JSON object
// (--json), or mosquitto_sub's -F format with the spy's own fields. Pure.
//
// -F: %t topic, %p payload, %x payload as hex, %l payload length, %q QoS, %r retain (0/1),
// %I ISO 8601 time, %U Unix time (seconds.microseconds), %s serial, %k kind (cmd, resp, status,
// data, event...), %d the decoded text, %R round trip in ms (empty when none), %j the --json object,
// %% a percent sign; \n \t \\ escapes.
#pragma once

#include <optional>
#include <string>

#include "event.hpp"

namespace tapmq::cli::spy {

struct FormatOptions {
    bool color = false;
    bool json = false;
    std::optional<std::string> format;
};

// Without the newline.
std::string format_event(const SpyEvent& e, const FormatOptions& o);
std::string format_alert(const Alert& a, const FormatOptions& o);

nlohmann::ordered_json event_json(const SpyEvent& e);
std::string apply_format(const std::string& format, const SpyEvent& e);

// "17:05:01.123" or, with date, "2026-12-07T17:05:01.123456Z".
std::string time_text(std::int64_t unix_us, bool date);

}  // namespace tapmq::cli::spy
