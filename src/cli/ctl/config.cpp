// ctl config pull | push: the project a Tap runs.
//
// A Tap does not serve its project file (it holds password hashes; §2 has no object for it), so
// `pull` writes the project the requester has (--project, or the Sensor Demo project) once the
// Tap's application name and configuration version (/1024//9, //10) show it is the one running.
// `push` validates the file as a project before anything is sent, uploads it to /1024//11 in
// resumable parts, applies it (POST), and reads the new configuration version back.
#include <fstream>
#include <sstream>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/describe.hpp"
#include "tap/object_model.hpp"
#include "upload.hpp"

namespace tapmq::cli::ctl {

namespace {

const tap::Path kConfigUpload{1024, std::nullopt, 11};

std::uint32_t read_u32(Context& c, const tap::Path& path, const std::string& what) {
    const auto r = c.tap.expect({tap::Method::Get, path, {}}, what);
    if (r.data.size() != 4)
        throw CtlError(kCtlTapError, what + ": " + std::to_string(r.data.size()) + " bytes, 4 expected");
    return upload_progress(r.data + std::string(4, '\0')).first;
}

}  // namespace

int ctl_config_pull(Context& c) {
    const std::string name =
        c.tap.expect({tap::Method::Get, tap::paths::kApplicationName, {}}, "GET application name").data;
    const std::uint32_t version = read_u32(c, tap::paths::kConfigVersion, "GET configuration version");
    const auto& app = c.project.application();
    if (name != app.name || version != app.config_version) {
        throw CtlError(
            kCtlBadInput,
            "the Tap runs " + name + " version " + std::to_string(version) + ", the project given is " +
                app.name + " version " + std::to_string(app.config_version) +
                ": a Tap does not serve its project file; give --project with the file that was pushed");
    }
    std::ofstream out(c.args.file, std::ios::binary | std::ios::trunc);
    const std::string json = c.project.to_json();
    out << json;
    if (!out.flush()) throw CtlError(kCtlBadInput, "cannot write " + c.args.file);
    std::fprintf(c.out, "%s: %s version %u (%zu bytes)\n", c.args.file.c_str(), name.c_str(), version,
                 json.size());
    return kCtlOk;
}

int ctl_config_push(Context& c) {
    std::ifstream in(c.args.file, std::ios::binary);
    if (!in) throw CtlError(kCtlBadInput, "cannot read " + c.args.file);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    try {
        const tap::Project p =
            tap::Project::parse(text, c.args.file);  // refused here, before any byte is sent
        (void)p;
    } catch (const tap::ProjectError& e) {
        throw CtlError(kCtlBadInput, std::string(e.what()) + " (nothing was sent)");
    }
    const std::uint32_t before = read_u32(c, tap::paths::kConfigVersion, "GET configuration version");
    upload_in_parts(c, kConfigUpload, text, c.args.part_size, "config push");
    const std::uint64_t seen = c.tap.status_count();
    c.tap.expect({tap::Method::Post, kConfigUpload, {}},
                 "applying the configuration (admin only: give --user admin)");
    // A Tap may restart to run the new project (tapmq tap does): wait for it to be back.
    if (!c.tap.await_restart(seen, std::chrono::milliseconds(1500), std::chrono::seconds(30))) {
        throw CtlError(kCtlTimeout, "the configuration was applied, but " + c.tap.serial() +
                                        " did not come back online within 30 s of its restart");
    }
    const std::uint32_t after = read_u32(c, tap::paths::kConfigVersion, "GET configuration version");
    const std::string name =
        c.tap.expect({tap::Method::Get, tap::paths::kApplicationName, {}}, "GET application name").data;
    std::fprintf(c.out, "configuration applied: %s version %u (was %u)\n", name.c_str(), after, before);
    return kCtlOk;
}

}  // namespace tapmq::cli::ctl
