// `tapmq spy [FILTER...]`: see the Taps' traffic, decoded. Only subscribes, never publishes:
// requests as `GET /1029/4/4 (Period)`, responses as `0x45 Content 500` paired with their request
// and its round-trip time, sealed frames opened with the netkey (or shown as sealed), datalog,
// alarms, status; unanswered requests flagged, and a Tap whose requests keep going unanswered
// named in one line. The command line is args_spy.cpp; the pieces are the files of this directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connection_args.hpp"

namespace tapmq::cli {

struct SpyArgs {
    SpyArgs() { conn.version = "5"; }

    ConnectionArgs conn;
    std::vector<std::string> filters;  // default: the fleet's root (IOTIZE_DEV/#)
    std::string prefix = "IOTIZE_DEV/{serial}_DEV";
    std::optional<std::string> netkey;
    std::optional<std::string> netkey_file;
    std::optional<std::string> project_file;
    bool json = false;
    std::optional<std::string> format;  // -F, mosquitto_sub's style
    bool summary = false;
    std::optional<std::string> record;  // --record FILE
    std::optional<std::string> replay;  // --replay FILE: decode offline, no broker
    double timeout = 5;                 // seconds before a request counts as unanswered
    unsigned warn_after = 3;            // unanswered requests in a row before the Tap's warning
    std::string color = "auto";
    unsigned count = 0;     // -C: exit after this many messages
    unsigned duration = 0;  // -W: exit after this many seconds
};

int run_spy(const SpyArgs& args);

}  // namespace tapmq::cli
