// `tapmq ctl --serial SN COMMAND ...`: the control centre. Does remotely, over the broker, what
// IoTize Studio does next to a Tap: read and write variables by name, watch bundles, push a
// configuration or a firmware, pull the datalog, list the fleet. The command line is args_ctl.cpp;
// each command family is a file of this directory; exit statuses are in outcome.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connection_args.hpp"

namespace tapmq::cli {

struct CtlArgs {
    CtlArgs() { conn.version = "5"; }

    ConnectionArgs conn;
    std::string serial;
    std::string prefix = "IOTIZE_DEV/{serial}_DEV";  // the Taps' topic prefix template
    std::optional<std::string> netkey;
    std::optional<std::string> netkey_file;
    std::optional<std::string> project_file;  // default: the embedded Sensor Demo project
    std::optional<std::string> user;          // log into this Tap profile first
    std::optional<std::string> password;
    double timeout = 5;  // seconds to wait for each answer
    bool json = false;
    std::string color = "auto";  // auto, always, never

    // The command and its operands.
    std::string command;             // info get set bundle watch config-pull config-push firmware-push
                                     // reboot datalog-pull raw ls
    std::vector<std::string> names;  // get VAR..., bundle NAME, watch BUNDLE..., ls FILTER...
    std::string value;               // set VAR VALUE
    std::string file;                // config pull|push FILE, firmware push FILE
    std::optional<std::string> csv;  // datalog pull --csv FILE
    std::string method;              // raw METHOD PATH [HEX]
    std::string path;
    std::string hex;
    bool watch = false;            // ls --watch
    unsigned count = 0;            // watch: stop after this many samples (0 = until interrupted)
    std::size_t part_size = 2048;  // firmware push: bytes per part
    bool no_update = false;        // firmware push: upload and verify, do not start the update
};

int run_ctl(const CtlArgs& args);

}  // namespace tapmq::cli
