// ctl info (what the Tap says about itself, in one screen) and ctl reboot.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/describe.hpp"
#include "tap/object_model.hpp"

namespace tapmq::cli::ctl {

namespace {

struct Field {
    const char* key;
    tap::Path path;
};

constexpr Field kFields[] = {
    {"serial", tap::paths::kSerialNumber},
    {"manufacturer", tap::paths::kManufacturer},
    {"model", tap::paths::kModel},
    {"firmware", tap::paths::kFirmwareVersion},
    {"application", tap::paths::kApplicationName},
    {"config_version", tap::paths::kConfigVersion},
    {"profile", tap::paths::kCurrentProfile},
    {"relay_host", tap::paths::kRelayBrokerHost},
    {"relay_port", tap::paths::kRelayBrokerPort},
    {"relay_client_id", tap::paths::kRelayClientId},
    {"relay_username", tap::paths::kRelayUsername},
    {"relay_topic_prefix", tap::paths::kRelayTopicPrefix},
};

}  // namespace

int ctl_info(Context& c) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    std::vector<std::pair<std::string, std::string>> lines;
    for (const Field& f : kFields) {
        const tap::TapRequest req{tap::Method::Get, f.path, {}};
        const tap::TapResponse r = c.tap.call(req);
        if (!tap::is_success(r.code)) {
            c.tap.check(r.code == tap::ResultCode::Unauthorized && r.data.empty() ? r : tap::TapResponse{},
                        f.key);
            lines.emplace_back(f.key, "(" + tap::describe(r.code) + ")");
            j[f.key] = nullptr;
            continue;
        }
        nlohmann::ordered_json value = tap::data_json(&req, r, &c.project);
        std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        if (f.path == tap::paths::kCurrentProfile && value.is_number_integer()) {
            const auto id = value.get<std::uint16_t>();
            const tap::Profile* p = c.project.profile(id);
            text = (p ? p->name : std::string("profile")) + " (" + std::to_string(id) + ")";
        }
        lines.emplace_back(f.key, text);
        j[f.key] = value;
    }
    // The target: reachable when the first variable this profile may read can be read.
    std::string target = "unknown (no variable readable by this profile)";
    for (const auto& v : c.project.variables()) {
        const tap::TapResponse r = c.tap.call({tap::Method::Get, tap::paths::variable_value(v.id), {}});
        if (r.code == tap::ResultCode::Unauthorized) continue;
        target = tap::is_success(r.code) ? "connected" : "not reachable: " + tap::describe(r.code);
        if (!tap::is_success(r.code) && !r.data.empty()) target += " (" + r.data + ")";
        break;
    }
    lines.emplace_back("target", target);
    j["target"] = target;
    if (const auto& s = c.tap.status()) {
        std::string st = s->state;
        if (!s->since.empty()) st += " since " + s->since;
        lines.emplace_back("status", st);
        j["status"] = st;
    }
    if (c.args.json) {
        const std::string out = j.dump();
        std::fprintf(c.out, "%s\n", out.c_str());
        return kCtlOk;
    }
    for (const auto& [k, v] : lines)
        std::fprintf(c.out, "%-19s %s\n", k.c_str(), v.c_str());
    return kCtlOk;
}

int ctl_reboot(Context& c) {
    c.tap.expect({tap::Method::Post, tap::paths::kReboot, {}}, "reboot (admin only: give --user admin)");
    std::fprintf(c.out, "%s is rebooting\n", c.tap.serial().c_str());
    return kCtlOk;
}

}  // namespace tapmq::cli::ctl
