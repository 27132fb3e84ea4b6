// The broker's counters (one MetricsSnapshot) in the Prometheus text exposition format 0.0.4.
// Pure: a snapshot in, text out.
#pragma once

#include <string>
#include <string_view>

#include "metrics.hpp"

namespace tapmq::broker::http {

std::string render_prometheus(const MetricsSnapshot& m);

// A label value with '\', '"' and newlines escaped as the format requires.
std::string escape_label_value(std::string_view v);

}  // namespace tapmq::broker::http
