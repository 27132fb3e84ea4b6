// Internal to the command processor: its state, one request being answered (Call), and the route
// each object family gives a path: the methods it allows, who may use it, what it does. The
// dispatcher (command_processor.cpp) applies §3's order of checks to a Route; objects_*.cpp hold
// the families.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relay/command_processor.hpp"
#include "relay/config_upload.hpp"
#include "relay/login_sessions.hpp"
#include "relay/relay_settings.hpp"
#include "tap/protocol_error.hpp"

namespace tapmq::relay::detail {

struct ProcessorState {
    ProcessorState(TapIdentity identity, Target& target, StateDir& dir, FirmwareUpdate& firmware,
                   DatalogQueue& datalog, RelayHooks& hooks, const tap::Project& initial,
                   CommandProcessor::Options options);

    TapIdentity identity;
    Target& target;
    StateDir dir;
    FirmwareUpdate& firmware;
    DatalogQueue& datalog;
    RelayHooks& hooks;
    CommandProcessor::Options options;
    std::string warning;  // before `project`, which the constructor loads with it
    std::unique_ptr<const tap::Project> project;
    LoginSessions sessions;
    RelaySettingsStore relay;
    ConfigUpload upload;
    bool target_wanted = true;  // false after POST /1027//4 until POST /1027//3

    // One request, with the profile it runs under (multi-command items run through it too).
    tap::TapResponse handle(std::string_view requester, const tap::TapRequest& request, TimePoints now,
                            int depth);
    // Connects the target when it is not connected (unless an admin disconnected it).
    TargetError ensure_connected();
};

struct Call {
    ProcessorState& s;
    std::string_view requester;
    std::uint16_t profile;
    TimePoints now;
    const tap::TapRequest& request;
    int depth;  // 0, or 1 inside a multi-command

    const tap::Project& project() const { return *s.project; }
    bool admin() const { return profile == tap::kAdminProfile; }
    std::string_view payload() const { return request.payload; }
};

inline constexpr std::uint8_t kGet = 1, kPost = 2, kPut = 4;

constexpr std::uint8_t method_bit(tap::Method m) {
    return m == tap::Method::Get ? kGet : m == tap::Method::Post ? kPost : kPut;
}

struct Route {
    std::uint8_t methods = 0;                    // allowed methods (0x85 otherwise)
    std::function<bool(const Call&)> allowed;    // the profile's rights (0x81 otherwise)
    std::function<tap::TapResponse(Call&)> run;  // payload checks (0x80), then the work
    std::string what;                            // for messages: "Count (/1029/1/4)"
};

// Each family: the route of a path of its object, or nullopt when the path does not exist.
std::optional<Route> route_device(const ProcessorState& s, const tap::Path& path);     // /3
std::optional<Route> route_session(const ProcessorState& s, const tap::Path& path);    // /1024//0, 1, 2
std::optional<Route> route_interface(const ProcessorState& s, const tap::Path& path);  // /1024//9, 10, 50..58
std::optional<Route> route_config(const ProcessorState& s, const tap::Path& path);     // /1024//11
std::optional<Route> route_multi(const ProcessorState& s, const tap::Path& path);      // /1024//89
std::optional<Route> route_target(const ProcessorState& s, const tap::Path& path);     // /1027
std::optional<Route> route_values(const ProcessorState& s, const tap::Path& path);     // /1028, /1029
std::optional<Route> route_datalog(const ProcessorState& s, const tap::Path& path);    // /1031
std::optional<Route> route_firmware(const ProcessorState& s, const tap::Path& path);   // /5

// Helpers for the families.
inline bool anyone(const Call&) {
    return true;
}
inline bool admin_only(const Call& c) {
    return c.admin();
}
inline tap::TapResponse answer(tap::ResultCode code, std::string data = {}) {
    return tap::TapResponse{code, std::move(data)};
}
inline tap::TapResponse content(std::string data) {
    return answer(tap::ResultCode::Content, std::move(data));
}
inline tap::TapResponse changed() {
    return answer(tap::ResultCode::Changed);
}
// The answer for a failed target operation: its code, its message as data.
inline tap::TapResponse target_failure(const TargetError& e) {
    return tap::TapResponse{static_cast<tap::ResultCode>(e.result_code()), e.message};
}
// 0x80 unless the payload is empty.
void expect_empty(const Call& c);
std::string u16_bytes(std::uint16_t v);
std::string u32_bytes(std::uint32_t v);
std::string u64_bytes(std::uint64_t v);
std::uint32_t load_u32(std::string_view s, std::size_t at);

}  // namespace tapmq::relay::detail
