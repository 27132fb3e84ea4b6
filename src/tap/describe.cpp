// Requests and responses in words (describe.hpp).
#include "describe.hpp"

#include "hex.hpp"
#include "object_model.hpp"
#include "password_hash.hpp"
#include "value.hpp"

namespace tapmq::tap {

namespace {

struct Named {
    Path path;
    std::string_view label;
    FixedKind kind;
};

constexpr Named kNamed[] = {
    {paths::kManufacturer, "manufacturer", FixedKind::String},
    {paths::kModel, "model", FixedKind::String},
    {paths::kSerialNumber, "serial number", FixedKind::String},
    {paths::kFirmwareVersion, "firmware version", FixedKind::String},
    {paths::kReboot, "reboot", FixedKind::None},
    {paths::kCurrentTime, "current time", FixedKind::U32},
    {paths::kLogin, "login", FixedKind::None},
    {paths::kLogout, "logout", FixedKind::None},
    {paths::kCurrentProfile, "current profile", FixedKind::U16},
    {paths::kApplicationName, "application name", FixedKind::String},
    {paths::kConfigVersion, "configuration version", FixedKind::U32},
    {Path{1024, std::nullopt, 11}, "configuration upload", FixedKind::None},
    {paths::kRelayBrokerHost, "relay broker host", FixedKind::String},
    {paths::kRelayBrokerPort, "relay broker port", FixedKind::U16},
    {paths::kRelayClientId, "relay client id", FixedKind::String},
    {paths::kRelayUsername, "relay user name", FixedKind::String},
    {paths::kRelayPassword, "relay password", FixedKind::String},
    {paths::kRelayNetkey, "relay netkey", FixedKind::String},
    {paths::kRelayTopicPrefix, "relay topic prefix", FixedKind::String},
    {paths::kMultiCommand, "multi-command", FixedKind::None},
    {paths::kTargetConnect, "target connect", FixedKind::None},
    {paths::kTargetDisconnect, "target disconnect", FixedKind::None},
    {paths::kTargetMemory, "target memory", FixedKind::None},
    {paths::kReadableValues, "every readable variable", FixedKind::None},
    {paths::kDatalogCount, "datalog count", FixedKind::U32},
    {paths::kDatalogDequeue, "datalog dequeue", FixedKind::None},
    {paths::kFirmwarePackage, "firmware package", FixedKind::None},
    {paths::kFirmwareUpdate, "firmware update", FixedKind::None},
    {paths::kFirmwareState, "firmware state", FixedKind::U8},
    {paths::kFirmwareResult, "firmware result", FixedKind::U8},
};

const Named* named(const Path& p) {
    for (const auto& n : kNamed)
        if (n.path == p) return &n;
    return nullptr;
}

const Variable* variable_at(const Path& p, const Project* project) {
    if (!project || p.object != 1029 || p.resource != 4 || !p.instance) return nullptr;
    return project->variable(*p.instance);
}

const Bundle* bundle_at(const Path& p, const Project* project) {
    if (!project || p.object != 1028 || p.resource != 1 || !p.instance) return nullptr;
    return project->bundle(*p.instance);
}

std::uint32_t be(std::string_view b) {
    std::uint32_t v = 0;
    for (unsigned char c : b)
        v = (v << 8) | c;
    return v;
}

bool printable(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7F) return false;
    return true;
}

std::string quoted(std::string_view s) {
    return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A variable's value with its label: "blink (2)".
std::string value_text(const Variable& v, std::string_view raw) {
    const auto numbers = decode_value(v, raw);
    std::string text = format_value(v, numbers);
    if (numbers.size() == 1) {
        if (auto label = label_of(v, numbers[0])) return *label + " (" + text + ")";
    }
    return text;
}

std::string fixed_text(FixedKind kind, std::string_view data) {
    switch (kind) {
        case FixedKind::String:
            if (printable(data)) return quoted(data);
            break;
        case FixedKind::U8:
            if (data.size() == 1) return std::to_string(be(data));
            break;
        case FixedKind::U16:
            if (data.size() == 2) return std::to_string(be(data));
            break;
        case FixedKind::U32:
            if (data.size() == 4) return std::to_string(be(data));
            break;
        case FixedKind::None:
            break;
    }
    return to_hex(data);
}

}  // namespace

FixedKind fixed_kind(const Path& path) noexcept {
    const Named* n = named(path);
    return n ? n->kind : FixedKind::None;
}

std::optional<std::string> path_label(const Path& path, const Project* project) {
    if (const Variable* v = variable_at(path, project)) return v->name;
    if (const Bundle* b = bundle_at(path, project)) return "bundle " + b->name;
    if (path.object == 1029 && path.resource == 4 && path.instance) return std::nullopt;
    if (const Named* n = named(path)) return std::string(n->label);
    return std::nullopt;
}

std::string describe_request(const TapRequest& request, const Project* project) {
    std::string out = std::string(name(request.method)) + " " + request.path.to_string();
    std::string label = path_label(request.path, project).value_or("");
    std::string detail;
    const std::string_view payload = request.payload;
    try {
        if (request.path == kLoginPath && payload.size() == kUserFieldSize + kPasswordHashSize) {
            label += " " + decode_login(payload).user;
        } else if (const Variable* v = variable_at(request.path, project); v && !payload.empty()) {
            detail = value_text(*v, payload);
        } else if (request.path == paths::kFirmwarePackage || request.path == Path{1024, std::nullopt, 11}) {
            if (payload.empty()) {
                detail = "cancel";
            } else if (payload.size() == 40 && be(payload.substr(0, 4)) == 0xFFFFFFFFu) {
                detail = "start, " + std::to_string(be(payload.substr(4, 4))) + " bytes";
            } else if (payload.size() > 4) {
                detail = std::to_string(payload.size() - 4) + " bytes at " +
                         std::to_string(be(payload.substr(0, 4)));
            }
        } else if (!payload.empty()) {
            const FixedKind k = fixed_kind(request.path);
            detail = k == FixedKind::None ? to_hex(payload) : fixed_text(k, payload);
        }
    } catch (const std::exception&) {
        detail = to_hex(payload);
    }
    if (!label.empty()) out += " (" + label + ")";
    if (!detail.empty()) out += " " + detail;
    return out;
}

std::string describe_data(const TapRequest* request, const TapResponse& response, const Project* project) {
    const std::string_view data = response.data;
    if (data.empty()) return {};
    if (!request || !is_success(response.code)) return printable(data) ? quoted(data) : to_hex(data);
    try {
        if (const Variable* v = variable_at(request->path, project)) return value_text(*v, data);
        if (const Bundle* b = bundle_at(request->path, project)) {
            const auto parts = split_bundle_values(*project, *b, data);
            std::string out;
            for (std::size_t i = 0; i < parts.size(); ++i) {
                const Variable* v = project->variable(b->variable_ids[i]);
                if (i) out += ' ';
                out += v->name + "=" + format_value(*v, decode_value(*v, parts[i]));
            }
            return out;
        }
    } catch (const std::exception&) {
        return to_hex(data);
    }
    return fixed_text(fixed_kind(request->path), data);
}

std::string describe_response(const TapRequest* request, const TapResponse& response,
                              const Project* project) {
    std::string out = describe(response.code);
    const std::string data = describe_data(request, response, project);
    if (!data.empty()) out += " " + data;
    return out;
}

nlohmann::ordered_json data_json(const TapRequest* request, const TapResponse& response,
                                 const Project* project) {
    const std::string_view data = response.data;
    if (data.empty()) return nullptr;
    auto hex = [&] { return nlohmann::ordered_json{{"hex", to_hex(data)}}; };
    if (!request || !is_success(response.code)) {
        if (printable(data)) return std::string(data);
        return hex();
    }
    try {
        if (const Variable* v = variable_at(request->path, project)) {
            return nlohmann::ordered_json(value_to_json(*v, decode_value(*v, data)));
        }
        if (const Bundle* b = bundle_at(request->path, project)) {
            const auto parts = split_bundle_values(*project, *b, data);
            nlohmann::ordered_json out = nlohmann::ordered_json::object();
            for (std::size_t i = 0; i < parts.size(); ++i) {
                const Variable* v = project->variable(b->variable_ids[i]);
                out[v->name] = value_to_json(*v, decode_value(*v, parts[i]));
            }
            return out;
        }
    } catch (const std::exception&) {
        return hex();
    }
    switch (fixed_kind(request->path)) {
        case FixedKind::String:
            if (printable(data)) return std::string(data);
            break;
        case FixedKind::U8:
            if (data.size() == 1) return be(data);
            break;
        case FixedKind::U16:
            if (data.size() == 2) return be(data);
            break;
        case FixedKind::U32:
            if (data.size() == 4) return be(data);
            break;
        case FixedKind::None:
            break;
    }
    return hex();
}

}  // namespace tapmq::tap
