// Tap requests and responses in words, with names from the project: `GET /1029/4/4 (Period)`,
// `PUT /1029/4/4 (Period) 500`, `0x45 Content 500`. Shared by the spy, the control centre's `raw` and
// any tool that shows traffic (the web app writes the same in JS: keep the two in step). Pure.
//
// What the object model's fixed paths hold (our reading of tap-protocol.md §2 and docs/tap.md):
// strings for identity, application name and relay text settings; u16 for the relay port and the
// current profile; u32 for the configuration version, the current time and the datalog count; the
// variables' and bundles' values typed by the project; anything else as hex.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "frame.hpp"
#include "project.hpp"

namespace tapmq::tap {

// "Period", "bundle Sensors", "application name", "login"; nullopt for a path with no name.
// `project` may be null (only the fixed paths are then named).
std::optional<std::string> path_label(const Path& path, const Project* project);

// "GET /1029/4/4 (Period)", "PUT /1029/4/4 (Period) 500", "POST /1024//0 (login supervisor)",
// "PUT /5//0 (firmware package) 1024 bytes at 4096". Never throws.
std::string describe_request(const TapRequest& request, const Project* project);

// The data of a response to `request` (null: unknown) as text: the typed value ("500", "blink (2)"
// when a label exists, "Count=42 LEDStatus=1" for a bundle, "\"Sensor_demo\"" for a string), or hex;
// "" for no data. Never throws.
std::string describe_data(const TapRequest* request, const TapResponse& response, const Project* project);

// "0x45 Content 500", "0x81 Unauthorized". Never throws.
std::string describe_response(const TapRequest* request, const TapResponse& response, const Project* project);

// The data as JSON: a number or array for a variable, an object by name for a bundle, a string, or
// {"hex": "..."}; null for no data. Never throws.
nlohmann::ordered_json data_json(const TapRequest* request, const TapResponse& response,
                                 const Project* project);

// What a GET of `path` returns, when it is a fixed-size integer (1, 2 or 4 bytes) or a string.
enum class FixedKind : unsigned char { None, String, U8, U16, U32 };
FixedKind fixed_kind(const Path& path) noexcept;

}  // namespace tapmq::tap
