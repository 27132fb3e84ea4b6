// `tapmq app`: copies the prebuilt web app and writes the project's description beside it.
#include "app.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "broker/version.hpp"
#include "exit_codes.hpp"
#include "tap/project.hpp"
#include "tap/sensor_demo.hpp"

namespace tapmq::cli {

namespace fs = std::filesystem;

namespace {

bool holds_app(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "index.html", ec);
}

fs::path executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

bool read_file(const fs::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
    return static_cast<bool>(in) || in.eof();
}

}  // namespace

fs::path find_prebuilt_app(const std::string& app_dir) {
    if (!app_dir.empty()) return holds_app(app_dir) ? fs::path(app_dir) : fs::path();
    const fs::path exe_dir = executable_dir();
    if (exe_dir.empty()) return {};
    for (const fs::path& candidate : {exe_dir / "webapp", exe_dir / ".." / "share" / "tapmq" / "webapp"}) {
        if (holds_app(candidate)) return candidate.lexically_normal();
    }
    return {};
}

std::string app_description(const std::string& project_json_text, const std::string& source,
                            const std::string& broker_url) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(project_json_text);
    for (auto& profile : j["profiles"])
        profile.erase("password_hash");
    std::string prefix = "IOTIZE_DEV/{serial}_DEV";
    if (j.contains("relay") && j["relay"].contains("topic_prefix")) prefix = j["relay"]["topic_prefix"];
    j.erase("relay");
    j["relay"] = {{"topic_prefix", prefix}};
    nlohmann::ordered_json out;
    out["generator"] = std::string("tapmq app ") + kVersion;
    out["source"] = source;
    if (!broker_url.empty()) out["broker_url"] = broker_url;
    for (auto& [key, value] : j.items())
        out[key] = value;
    return out.dump(2) + "\n";
}

int run_app(const AppArgs& args) {
    const fs::path app = find_prebuilt_app(args.app_dir);
    if (app.empty()) {
        if (!args.app_dir.empty()) {
            std::cerr
                << "tapmq app: " << args.app_dir
                << " holds no prebuilt app (no index.html); give the webapp/ directory of a tapmq build\n";
        } else {
            std::cerr << "tapmq app: the prebuilt web app was not found next to tapmq (webapp/) nor in "
                         "../share/tapmq/webapp; build it with `cmake --build --preset debug --target web` "
                         "(needs node and npm) or give --app-dir\n";
        }
        return kExitFailure;
    }

    std::string source = "sensor_demo.json (embedded)";
    std::string project_json;
    try {
        if (args.project.empty()) {
            project_json = tap::sensor_demo_project().to_json();
        } else {
            std::string text;
            if (!read_file(args.project, text)) {
                std::cerr << "tapmq app: cannot read " << args.project << ": " << std::strerror(errno)
                          << "\n";
                return kExitUsage;
            }
            source = fs::path(args.project).filename().string();
            project_json = tap::Project::parse(text, args.project).to_json();
        }
    } catch (const tap::ProjectError& e) {
        std::cerr << "tapmq app: " << e.what()
                  << "\n(fix the project file; its format is in src/tap/README.md)\n";
        return kExitUsage;
    }

    std::error_code ec;
    fs::create_directories(args.output, ec);
    if (ec) {
        std::cerr << "tapmq app: cannot create " << args.output << ": " << ec.message() << "\n";
        return kExitFailure;
    }
    fs::copy(app, args.output, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) {
        std::cerr << "tapmq app: cannot copy " << app.string() << " to " << args.output << ": "
                  << ec.message() << "\n";
        return kExitFailure;
    }
    const fs::path description = fs::path(args.output) / "project.json";
    std::ofstream out(description, std::ios::binary | std::ios::trunc);
    out << app_description(project_json, source, args.broker_url);
    out.close();
    if (!out) {
        std::cerr << "tapmq app: cannot write " << description.string() << "\n";
        return kExitFailure;
    }
    std::cout << "tapmq app: wrote the app of " << source << " to " << args.output << " (from "
              << app.string() << ")\n";
    return kExitOk;
}

}  // namespace tapmq::cli
