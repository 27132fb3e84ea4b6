// `tapmq app`: the App Generator. Writes the prebuilt monitoring web app (web/, bundled once by the
// CMake build) and a project's generated description (project.json) into a directory that any
// static server, or tapmqd's http_dir, can serve. Nothing is built at generation time.
#pragma once

#include <filesystem>
#include <string>

namespace tapmq::cli {

struct AppArgs {
    std::string project;     // a project file (src/tap's format); empty: the embedded Sensor Demo project
    std::string output;      // the directory to write
    std::string app_dir;     // the prebuilt app; empty: found next to the tapmq executable
    std::string broker_url;  // the app's default broker URL; empty: the server the page came from
};

// The prebuilt app: `app_dir` when given, else <dir of tapmq>/webapp (a build tree: build/<preset>/webapp),
// else <dir of tapmq>/../share/tapmq/webapp (an installed tapmq). Empty when none holds index.html.
std::filesystem::path find_prebuilt_app(const std::string& app_dir);

// The description the app reads (project.json): the project as its file holds it, without secrets
// (password hashes, the relay's password and netkey, broker host and credentials).
// `broker_url`, when not empty, becomes the connect page's default broker URL.
std::string app_description(const std::string& project_json_text, const std::string& source,
                            const std::string& broker_url = {});

int run_app(const AppArgs& args);

}  // namespace tapmq::cli
