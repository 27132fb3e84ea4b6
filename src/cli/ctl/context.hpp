// What every `tapmq ctl` command gets: the command line, the project that names things, the
// connection and the requester to the Tap, where to print. And the commands, one family per file.
#pragma once

#include <cstdio>
#include <string>

#include "ctl.hpp"
#include "requester.hpp"
#include "session.hpp"
#include "tap/project.hpp"

namespace tapmq::cli::ctl {

struct Context {
    const CtlArgs& args;
    const tap::Project& project;
    Session& session;
    Requester& tap;
    std::FILE* out;
    bool color;  // ANSI colours (a terminal, or --color always)
};

// By name, or by id when `text` is a number. Throw CtlError(kCtlNotFound) naming what exists.
const tap::Variable& find_variable(const tap::Project& project, const std::string& text);
const tap::Bundle& find_bundle(const tap::Project& project, const std::string& text);

// get_set.cpp
int ctl_get(Context& c);
int ctl_set(Context& c);
int ctl_bundle(Context& c);
int ctl_raw(Context& c);
// info.cpp
int ctl_info(Context& c);
int ctl_reboot(Context& c);
// watch.cpp
int ctl_watch(Context& c);
// config.cpp
int ctl_config_pull(Context& c);
int ctl_config_push(Context& c);
// firmware.cpp
int ctl_firmware_push(Context& c);
// datalog.cpp
int ctl_datalog_pull(Context& c);
// ls.cpp: needs no Tap
int ctl_ls(const CtlArgs& args, Session& session, std::FILE* out, bool color);

}  // namespace tapmq::cli::ctl
