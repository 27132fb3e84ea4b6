// The default demo project (tap-protocol.md §3, "our decisions"): projects/sensor_demo.json,
// embedded in the library at build time so that no file is needed.
#pragma once

#include <string_view>

#include "project.hpp"

namespace tapmq::tap {

// The JSON text, byte for byte as in src/tap/projects/sensor_demo.json.
std::string_view sensor_demo_json() noexcept;

// Parsed once (thread-safe); the shipped file is checked by the unit tests, so this does not throw.
const Project& sensor_demo_project();

}  // namespace tapmq::tap
