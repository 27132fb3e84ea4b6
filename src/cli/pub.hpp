// `tapmq pub`: publish one message, the same message COUNT times, or each line of standard input (-l),
// then disconnect; with --reconnect through broker restarts.
#pragma once

#include <optional>
#include <string>

#include "connection_args.hpp"

namespace tapmq::cli {

struct PubArgs {
    ConnectionArgs conn;
    std::string topic;
    std::optional<std::string> message;  // -m
    std::string file;                    // -f: the file's content is the message
    bool from_stdin = false;             // -s: all of standard input is the message
    bool null_message = false;           // --null: zero-length message
    bool stdin_lines = false;            // -l: each line of standard input is a message
    int qos = 0;
    bool retain = false;
    unsigned count = 1;     // -n
    double interval = 0.0;  // seconds between messages (0 = as fast as the window allows)
    bool quiet = false;
};

int run_pub(const PubArgs& args);

}  // namespace tapmq::cli
