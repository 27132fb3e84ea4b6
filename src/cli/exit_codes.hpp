// Exit statuses of `tapmq`, shared by every subcommand.
#pragma once

#include "client/error.hpp"

namespace tapmq::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,  // network failure, lost connection, protocol violation
    kExitUsage = 2,    // bad command line
    kExitRefused = 3,  // the broker refused: CONNACK, SUBACK or PUBACK/PUBREC with an error reason
    kExitTimeout = 4,  // no CONNACK in time, or `sub -W` expired before `-C` messages arrived
};

// The exit status that matches a client error.
int exit_code_for(const client::Error& e) noexcept;

}  // namespace tapmq::cli
