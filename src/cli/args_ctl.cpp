// Command line of `tapmq ctl` (CLI11): the connection options of `sub`, the Tap's serial, netkey,
// project and profile, then one command with its operands.
#include "args.hpp"
#include "ctl/outcome.hpp"

namespace tapmq::cli {

namespace {

CLI::App* command(CLI::App& parent, CtlArgs& a, const char* name, const char* id, const char* help) {
    auto* cmd = parent.add_subcommand(name, help);
    cmd->fallthrough();  // the options of ctl may come after the command too
    cmd->callback([&a, id] { a.command = id; });
    return cmd;
}

}  // namespace

CLI::App* add_ctl_command(CLI::App& app, CtlArgs& a) {
    auto* ctl = app.add_subcommand(
        "ctl", "The control centre: read, write, watch and update Taps through the broker");
    add_connection_options(*ctl, a.conn);
    ctl->require_subcommand(1);
    const char* tap = "Tap";
    ctl->add_option("-s,--serial", a.serial, "Serial number of the Tap (every command but ls)")->group(tap);
    ctl->add_option("--prefix", a.prefix, "Topic prefix template of the Taps")
        ->capture_default_str()
        ->group(tap);
    auto* nk = ctl->add_option("--netkey", a.netkey, "Netkey: seal requests and open answers")->group(tap);
    ctl->add_option("--netkey-file", a.netkey_file, "File holding the netkey (one line)")
        ->excludes(nk)
        ->group(tap);
    ctl->add_option("--project", a.project_file,
                    "Project file naming variables and bundles (default: the Sensor Demo project)")
        ->group(tap);
    ctl->add_option("--user", a.user, "Log into this Tap profile first (e.g. supervisor, admin)")->group(tap);
    ctl->add_option("--password", a.password, "Password of --user")->group(tap);
    ctl->add_option("--timeout", a.timeout, "Seconds to wait for each answer")
        ->capture_default_str()
        ->check(CLI::Range(0.05, 3600.0))
        ->group(tap);
    ctl->add_flag("--json", a.json, "Print JSON");
    ctl->add_option("--color", a.color, "Colours: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();

    command(*ctl, a, "info", "info",
            "Serial, firmware, application, configuration version, relay settings, target, profile");
    auto* get = command(*ctl, a, "get", "get", "Read variables (by name or id): one bare value per line");
    get->add_option("VAR", a.names, "Variables")->required();
    auto* set = command(*ctl, a, "set", "set",
                        "Write a variable: a number, a label (LEDConfig blink), or elements a,b,c");
    set->add_option_function<std::string>(
           "VAR", [&a](const std::string& v) { a.names.assign(1, v); }, "Variable (name or id)")
        ->required();
    set->add_option("VALUE", a.value, "Value")->required();
    auto* bundle = command(*ctl, a, "bundle", "bundle", "Read every variable of a bundle at once");
    bundle
        ->add_option_function<std::string>(
            "BUNDLE", [&a](const std::string& v) { a.names.assign(1, v); }, "Bundle (name or id)")
        ->required();
    auto* watch =
        command(*ctl, a, "watch", "watch",
                "Live values of bundles at their monitoring periods (all by default), until interrupted");
    watch->add_option("BUNDLE", a.names, "Bundles");
    watch->add_option("--count", a.count, "Stop after this many samples");

    auto* config = ctl->add_subcommand("config", "The project: pull it or push a new one");
    config->fallthrough();
    config->require_subcommand(1);
    auto* pull =
        command(*config, a, "pull", "config-pull",
                "Write the project the Tap runs to FILE (checked against the Tap's name and version)");
    pull->add_option("FILE", a.file, "Output file")->required();
    auto* push =
        command(*config, a, "push", "config-push",
                "Validate FILE as a project and upload it (admin); shows the new configuration version");
    push->add_option("FILE", a.file, "Project file")->required()->check(CLI::ExistingFile);

    auto* firmware = ctl->add_subcommand("firmware", "Firmware update");
    firmware->fallthrough();
    firmware->require_subcommand(1);
    auto* fpush = command(
        *firmware, a, "push", "firmware-push",
        "Upload a firmware package in parts (resumable), verify it, start the update, report its result");
    fpush->add_option("FILE", a.file, "Firmware package")->required()->check(CLI::ExistingFile);
    fpush->add_option("--part-size", a.part_size, "Bytes per part")
        ->capture_default_str()
        ->check(CLI::Range(16, 60000));
    fpush->add_flag("--no-update", a.no_update, "Upload and verify only; do not start the update");

    command(*ctl, a, "reboot", "reboot", "Reboot the Tap (admin)");
    auto* datalog = ctl->add_subcommand("datalog", "The Tap's stored datalog");
    datalog->fallthrough();
    datalog->require_subcommand(1);
    auto* dpull = command(*datalog, a, "pull", "datalog-pull",
                          "Dequeue every stored record: one JSON line each, or a CSV file with --csv");
    dpull->add_option("--csv", a.csv, "Write the records to this CSV file");
    auto* raw =
        command(*ctl, a, "raw", "raw", "Any request: METHOD PATH [HEX]; prints the code and the bytes");
    raw->add_option("METHOD", a.method, "GET, PUT or POST")->required();
    raw->add_option("PATH", a.path, "/object/instance/resource, e.g. /1024//9")->required();
    raw->add_option("HEX", a.hex, "Payload bytes in hex");
    auto* ls = command(*ctl, a, "ls", "ls", "Every Tap seen on the broker, from its retained status");
    ls->add_option("FILTER", a.names, "Only serial numbers containing one of these");
    ls->add_flag("--watch", a.watch, "Keep the list live: print each change");
    ctl->footer(
        "Exit status: 0 ok, 1 broker unreachable or connection lost, 2 bad input (command line, value,\n"
        "file, or the Tap's 0x80), 3 refused by the broker, 4 no answer from the Tap, 5 not found,\n"
        "6 refused by the Tap (rights, login, netkey), 7 the Tap or its target failed.");
    return ctl;
}

}  // namespace tapmq::cli
