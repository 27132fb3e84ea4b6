// Command line of `tapmq passwd` (CLI11): mosquitto_passwd's options. Apart from args.hpp so that the
// src/auth unit tests can parse through it without the other subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include "auth/passwd_tool.hpp"

namespace tapmq::cli {

CLI::App* add_passwd_command(CLI::App& app, auth::PasswdArgs& args);

}  // namespace tapmq::cli
