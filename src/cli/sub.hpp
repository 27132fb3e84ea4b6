// `tapmq sub`: subscribe and print what arrives, like mosquitto_sub.
#pragma once

#include <string>
#include <vector>

#include "connection_args.hpp"

namespace tapmq::cli {

struct SubArgs {
    ConnectionArgs conn;
    std::vector<std::string> topics;  // -t, repeatable
    int qos = 0;
    bool verbose = false;        // -v: "topic payload"
    bool no_newline = false;     // -N
    bool skip_retained = false;  // -R: do not print messages flagged retained
    bool no_local = false;       // --nl (MQTT 5)
    unsigned count = 0;          // -C: exit after this many messages (0 = never)
    unsigned timeout = 0;        // -W: exit after this many seconds (0 = never)
    bool quiet = false;
};

int run_sub(const SubArgs& args);

}  // namespace tapmq::cli
