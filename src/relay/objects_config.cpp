// Object 1024, resource 11: configuration upload (layout in config_upload.hpp). Admin only.
#include "objects.hpp"
#include "relay/state_error.hpp"

namespace tapmq::relay::detail {

namespace {

tap::TapResponse apply(Call& c) {
    expect_empty(c);
    ProcessorState& s = c.s;
    std::string file;
    if (!s.upload.take(file)) {
        s.upload.set_last_error(s.upload.message());
        tap::bad_request(s.upload.message());
    }
    std::unique_ptr<const tap::Project> next;
    try {
        next = std::make_unique<const tap::Project>(tap::Project::parse(file, "uploaded project"));
    } catch (const tap::ProjectError& e) {
        s.upload.set_last_error(e.what());
        tap::bad_request(e.what());
    }
    try {
        // Saved first: if the disk refuses, nothing changed. Saved in the canonical form (password
        // hashes, never plain passwords).
        s.dir.write_atomic(s.options.project_file, next->to_json());
    } catch (const StateError& e) {
        s.upload.set_last_error(std::string("the project could not be saved: ") + e.what());
        throw;
    }
    std::unique_ptr<const tap::Project> old = std::move(s.project);
    s.project = std::move(next);
    // Logins survive only for profiles that still exist with the same password.
    s.sessions.retain([&](std::uint16_t id) {
        const tap::Profile* before = old->profile(id);
        const tap::Profile* after = s.project->profile(id);
        return before && after && before->password_hash == after->password_hash;
    });
    s.upload.set_last_error({});
    s.hooks.project_changed(*s.project);
    return changed();
}

}  // namespace

std::optional<Route> route_config(const ProcessorState&, const tap::Path& path) {
    if (path.instance || path.resource != 11) return std::nullopt;
    return Route{kGet | kPut | kPost, admin_only,
                 [](Call& c) {
                     switch (c.request.method) {
                         case tap::Method::Get:
                             expect_empty(c);
                             return content(c.s.upload.status());
                         case tap::Method::Put: {
                             auto code = c.s.upload.write(c.payload());
                             return answer(code,
                                           tap::is_success(code) ? std::string() : c.s.upload.message());
                         }
                         case tap::Method::Post:
                             break;
                     }
                     return apply(c);
                 },
                 "the configuration upload (/1024//11)"};
}

}  // namespace tapmq::relay::detail
