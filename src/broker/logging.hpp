// Log set-up from log_dest / log_type / log_timestamp (Mosquitto's directives) and -v.
#pragma once

#include "config.hpp"

namespace tapmq::broker {

void setup_logging(const Config& config, bool verbose);

}  // namespace tapmq::broker
