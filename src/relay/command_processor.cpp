// CommandProcessor: the state it keeps and the dispatcher that applies tap-protocol.md §3's order
// of checks (path → method → rights → value) to the route an object family gives a path.
#include "command_processor.hpp"

#include "objects.hpp"
#include "relay/state_error.hpp"

namespace tapmq::relay {

namespace detail {

namespace {

std::unique_ptr<const tap::Project> load_project(const StateDir& dir, const std::string& file,
                                                 const tap::Project& initial, std::string& warning) {
    if (auto text = dir.read_text(file)) {
        try {
            return std::make_unique<const tap::Project>(tap::Project::parse(*text, dir.file(file).string()));
        } catch (const tap::ProjectError& e) {
            warning = std::string("the uploaded project is ignored, the initial one runs: ") + e.what();
        }
    }
    return std::make_unique<const tap::Project>(initial);
}

std::optional<Route> find_route(const ProcessorState& s, const tap::Path& path) {
    if (!path.object) return std::nullopt;
    switch (*path.object) {
        case 3:
            return route_device(s, path);
        case 5:
            return route_firmware(s, path);
        case 1024:
            if (auto r = route_session(s, path)) return r;
            if (auto r = route_interface(s, path)) return r;
            if (auto r = route_config(s, path)) return r;
            return route_multi(s, path);
        case 1027:
            return route_target(s, path);
        case 1028:
        case 1029:
            return route_values(s, path);
        case 1031:
            return route_datalog(s, path);
        default:
            return std::nullopt;
    }
}

std::string profile_name(const tap::Project& project, std::uint16_t id) {
    if (const auto* p = project.profile(id)) return p->name;
    return "profile " + std::to_string(id);
}

}  // namespace

ProcessorState::ProcessorState(TapIdentity identity_, Target& target_, StateDir& dir_,
                               FirmwareUpdate& firmware_, DatalogQueue& datalog_, RelayHooks& hooks_,
                               const tap::Project& initial, CommandProcessor::Options options_)
    : identity(std::move(identity_)),
      target(target_),
      dir(dir_),
      firmware(firmware_),
      datalog(datalog_),
      hooks(hooks_),
      options(std::move(options_)),
      project(load_project(dir, options.project_file, initial, warning)),
      sessions(options.max_sessions),
      relay(dir, options.relay_file),
      upload(options.max_config_bytes) {
    if (!relay.warning().empty()) warning += (warning.empty() ? "" : "; ") + relay.warning();
}

TargetError ProcessorState::ensure_connected() {
    if (target.connected()) return {};
    if (!target_wanted) {
        return TargetError::make(TargetCode::UnableToConnect,
                                 "the target was disconnected by POST /1027//4; POST /1027//3 connects it");
    }
    return target.connect();
}

tap::TapResponse ProcessorState::handle(std::string_view requester, const tap::TapRequest& request,
                                        TimePoints now, int depth) {
    const std::uint16_t profile = sessions.current(requester, now.steady, *project, true);
    Call call{*this, requester, profile, now, request, depth};
    const std::string path = request.path.to_string();
    try {
        auto route = find_route(*this, request.path);
        if (!route) return answer(tap::ResultCode::NotFound, "no resource " + path);
        const std::string what = route->what.empty() ? path : route->what;
        if (!(route->methods & method_bit(request.method))) {
            return answer(tap::ResultCode::MethodNotAllowed,
                          std::string(tap::name(request.method)) + " is not allowed on " + what);
        }
        if (!route->allowed(call)) {
            return answer(tap::ResultCode::Unauthorized, profile_name(*project, profile) + " may not " +
                                                             std::string(tap::name(request.method)) + " " +
                                                             what);
        }
        return route->run(call);
    } catch (const tap::ProtocolError& e) {
        return answer(e.code(), e.what());
    } catch (const StateError& e) {
        return answer(e.no_space() ? tap::ResultCode::NvmFull : tap::ResultCode::NvmError, e.what());
    } catch (const std::exception& e) {
        return answer(tap::ResultCode::InternalError, e.what());
    }
}

void expect_empty(const Call& c) {
    if (!c.payload().empty()) {
        tap::bad_request(std::string(tap::name(c.request.method)) + " " + c.request.path.to_string() +
                         " takes no payload, " + std::to_string(c.payload().size()) + " bytes given");
    }
}

std::string u16_bytes(std::uint16_t v) {
    return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}

std::string u32_bytes(std::uint32_t v) {
    return u16_bytes(static_cast<std::uint16_t>(v >> 16)) + u16_bytes(static_cast<std::uint16_t>(v));
}

std::string u64_bytes(std::uint64_t v) {
    return u32_bytes(static_cast<std::uint32_t>(v >> 32)) + u32_bytes(static_cast<std::uint32_t>(v));
}

std::uint32_t load_u32(std::string_view s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

}  // namespace detail

CommandProcessor::CommandProcessor(TapIdentity identity, Target& target, StateDir& dir,
                                   FirmwareUpdate& firmware, DatalogQueue& datalog, RelayHooks& hooks,
                                   const tap::Project& initial)
    : CommandProcessor(std::move(identity), target, dir, firmware, datalog, hooks, initial, Options{}) {}

CommandProcessor::CommandProcessor(TapIdentity identity, Target& target, StateDir& dir,
                                   FirmwareUpdate& firmware, DatalogQueue& datalog, RelayHooks& hooks,
                                   const tap::Project& initial, Options options)
    : s_(std::make_unique<detail::ProcessorState>(std::move(identity), target, dir, firmware, datalog, hooks,
                                                  initial, std::move(options))) {}

CommandProcessor::~CommandProcessor() = default;

tap::TapResponse CommandProcessor::handle(std::string_view requester, const tap::TapRequest& request,
                                          TimePoints now) {
    return s_->handle(requester, request, now, 0);
}

const tap::Project& CommandProcessor::project() const noexcept {
    return *s_->project;
}

tap::RelaySettings CommandProcessor::relay_settings() const {
    tap::RelaySettings r = s_->relay.apply(s_->project->relay());
    const std::string& serial = s_->identity.serial;
    r.client_id = tap::expand_serial(r.client_id, serial);
    r.username = tap::expand_serial(r.username, serial);
    r.password = tap::expand_serial(r.password, serial);
    r.topic_prefix = tap::expand_serial(r.topic_prefix, serial);
    return r;
}

std::uint32_t CommandProcessor::config_version() const noexcept {
    return s_->project->application().config_version;
}

std::uint16_t CommandProcessor::profile_of(std::string_view requester,
                                           std::chrono::steady_clock::time_point now) const {
    return s_->sessions.current(requester, now, *s_->project, false);
}

std::size_t CommandProcessor::session_count() const noexcept {
    return s_->sessions.size();
}

const std::string& CommandProcessor::startup_warning() const noexcept {
    return s_->warning;
}

}  // namespace tapmq::relay
