// `tapmq tap`: run a simulated Tap (or a fleet of them) connected to a broker: the relay of
// tap-protocol.md, answering requests through the command processor (src/relay/runtime/).
#pragma once

#include <optional>
#include <string>

#include "connection_args.hpp"

namespace tapmq::cli {

struct TapArgs {
    ConnectionArgs conn;  // MQTT 5 by default: Response Topic and Correlation Data need it
    std::string serial;
    std::optional<std::string> netkey;
    std::optional<std::string> netkey_file;
    std::string project_file;  // empty: the Sensor Demo project
    std::string state_dir;     // empty: $XDG_STATE_HOME/tapmq/taps/SERIAL (~/.local/state/...)
    unsigned fleet = 0;        // 0: one Tap
    std::string app_hook;
    std::string log_level = "info";
    // Which connection settings the command line gave (the rest come from the relay settings).
    bool host_given = false;
    bool port_given = false;
    bool username_given = false;
    bool password_given = false;
};

int run_tap(const TapArgs& args);

}  // namespace tapmq::cli
