// Command line of `tapmq app` (CLI11).
#include "app.hpp"
#include "args.hpp"

namespace tapmq::cli {

CLI::App* add_app_command(CLI::App& app, AppArgs& args) {
    auto* cmd = app.add_subcommand("app",
                                   "Generate the monitoring web app of a project: a directory for any static "
                                   "server or tapmqd's http_dir");
    cmd->add_option(
        "--project", args.project,
        "Project file (JSON, as src/tap/README.md describes); default: the embedded Sensor Demo project");
    cmd->add_option("-o,--output", args.output,
                    "Directory to write (created; files already there are replaced)")
        ->required();
    cmd->add_option(
        "--app-dir", args.app_dir,
        "The prebuilt app (default: webapp/ next to the tapmq executable, or ../share/tapmq/webapp)");
    cmd->add_option(
        "--broker-url", args.broker_url,
        "The connect page's default broker URL (ws:// or wss://); default: the server the page came from, "
        "path /mqtt");
    cmd->footer(
        "The output holds index.html, the bundled app, its service worker and manifest, and project.json\n"
        "(the project without password hashes, relay password or netkey). Serve it, open it, and give the\n"
        "broker's WebSocket URL (default: the server the page came from, path /mqtt).");
    return cmd;
}

}  // namespace tapmq::cli
