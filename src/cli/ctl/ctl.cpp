// run_ctl: load the project, connect, log in, run one command, report its error in one sentence.
#include "ctl.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/sensor_demo.hpp"

namespace tapmq::cli {

namespace {

using namespace ctl;

tap::Project load_project(const CtlArgs& a) {
    if (!a.project_file) return tap::sensor_demo_project();
    std::ifstream in(*a.project_file, std::ios::binary);
    if (!in) throw CtlError(kCtlBadInput, "cannot read the project file " + *a.project_file);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return tap::Project::parse(ss.str(), *a.project_file);
    } catch (const tap::ProjectError& e) {
        throw CtlError(kCtlBadInput, e.what());
    }
}

bool use_color(const CtlArgs& a) {
    if (a.color == "always") return true;
    if (a.color == "never" || a.json) return false;
    return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
}

int run(const CtlArgs& a) {
    const tap::Project project = load_project(a);
    Session session(a.conn, "tapmq-ctl-");
    if (a.command == "ls") {
        session.connect();
        const int rc = ctl_ls(a, session, stdout, use_color(a));
        session.disconnect();
        return rc;
    }
    Requester requester(a, session);
    session.connect();
    requester.start();
    if (a.user) requester.login(*a.user, a.password.value_or(""));
    Context c{a, project, session, requester, stdout, use_color(a)};
    int rc = kCtlOk;
    if (a.command == "info")
        rc = ctl_info(c);
    else if (a.command == "get")
        rc = ctl_get(c);
    else if (a.command == "set")
        rc = ctl_set(c);
    else if (a.command == "bundle")
        rc = ctl_bundle(c);
    else if (a.command == "raw")
        rc = ctl_raw(c);
    else if (a.command == "watch")
        rc = ctl_watch(c);
    else if (a.command == "config-pull")
        rc = ctl_config_pull(c);
    else if (a.command == "config-push")
        rc = ctl_config_push(c);
    else if (a.command == "firmware-push")
        rc = ctl_firmware_push(c);
    else if (a.command == "reboot")
        rc = ctl_reboot(c);
    else if (a.command == "datalog-pull")
        rc = ctl_datalog_pull(c);
    else
        throw CtlError(
            kCtlBadInput,
            "no command given (info, get, set, bundle, watch, config, firmware, reboot, datalog, raw, ls)");
    std::fflush(stdout);
    session.disconnect();
    return rc;
}

}  // namespace

int run_ctl(const CtlArgs& args) {
    try {
        return run(args);
    } catch (const CtlError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "tapmq ctl: %s\n", e.what());
        return e.code();
    }
}

}  // namespace tapmq::cli
