// Command line of `tapmq tap` (CLI11).
#include "args.hpp"

namespace tapmq::cli {

CLI::App* add_tap_command(CLI::App& app, TapArgs& a) {
    auto* cmd = app.add_subcommand("tap",
                                   "Run a simulated Tap (the Sensor Demo board) connected to a broker; see "
                                   "docs/tap.md, \"Running a Tap\"");
    a.conn.version = "5";
    add_connection_options(*cmd, a.conn);
    cmd->add_option("--serial", a.serial, "The Tap's serial number (its client id, user name and topics)")
        ->required();
    auto* key = cmd->add_option("--netkey", a.netkey,
                                "Seal every frame with this netkey (requests must be sealed with it too)");
    auto* key_file = cmd->add_option("--netkey-file", a.netkey_file,
                                     "Read the netkey from the first line of FILE (mode 0600)");
    key->excludes(key_file);
    cmd->add_option("--project", a.project_file, "Project file (JSON; default: the Sensor Demo project)");
    cmd->add_option("--state-dir", a.state_dir,
                    "Where the Tap keeps its datalog, firmware and settings (with --fleet: one "
                    "subdirectory per serial; default $XDG_STATE_HOME/tapmq/taps/SERIAL)");
    cmd->add_option("--fleet", a.fleet,
                    "Run N simulated Taps, serials counting up from --serial's trailing digits")
        ->check(CLI::Range(1u, 100'000u));
    cmd->add_option("--app-hook", a.app_hook,
                    "Executable given each sealed packet of <prefix>/app/in on stdin; its stdout is "
                    "published sealed on <prefix>/app/out");
    cmd->add_option("--log-level", a.log_level, "trace, debug, info, warn, error or off")
        ->capture_default_str();
    cmd->final_callback([cmd, &a] {
        a.host_given = cmd->get_option("--host")->count() > 0 || cmd->get_option("--url")->count() > 0;
        a.port_given = cmd->get_option("--port")->count() > 0 || cmd->get_option("--url")->count() > 0;
        a.username_given = cmd->get_option("--username")->count() > 0;
        a.password_given = cmd->get_option("--pw")->count() > 0;
    });
    return cmd;
}

}  // namespace tapmq::cli
