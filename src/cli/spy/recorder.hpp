// --record and --replay: what the spy saw, one JSON object per line, enough to decode it again
// offline: {"time_us":..., "topic":"...", "payload_hex":"...", "qos":1, "retain":false,
// "response_topic":"...", "correlation_hex":"..."} (the last two only when present). Pure.
#pragma once

#include <string>
#include <string_view>

#include "event.hpp"

namespace tapmq::cli::spy {

std::string record_line(const Message& m);
// Throws std::invalid_argument naming what is wrong.
Message parse_record_line(std::string_view line);

}  // namespace tapmq::cli::spy
