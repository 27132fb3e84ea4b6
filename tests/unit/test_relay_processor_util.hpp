// Helpers of the command processor tests: a Tap (simulated Sensor Demo board, state directory,
// firmware, datalog, recording hooks, processor) driven with requests that go through the src/tap
// APDU codec both ways, and a clock the test advances.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/command_processor.hpp"
#include "relay/simulated_target.hpp"
#include "tap/multi_command.hpp"
#include "tap/object_model.hpp"
#include "tap/password_hash.hpp"
#include "tap/sensor_demo.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay::test {

using namespace std::chrono_literals;
using tap::Method;
using tap::Path;
using tap::ResultCode;

struct RecordingHooks : RelayHooks {
    int reboots = 0;
    int relay_changes = 0;
    std::vector<std::string> projects;  // application names, in order
    std::vector<std::string> firmware;  // versions installed
    void reboot() override { ++reboots; }
    void relay_settings_changed() override { ++relay_changes; }
    void project_changed(const tap::Project& p) override { projects.push_back(p.application().name); }
    void firmware_installed(std::string version) override { firmware.push_back(std::move(version)); }
};

inline std::string be16(std::uint16_t v) {
    return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}
inline std::string be32(std::uint32_t v) {
    return be16(static_cast<std::uint16_t>(v >> 16)) + be16(static_cast<std::uint16_t>(v));
}
inline std::uint32_t u32_of(std::string_view s, std::size_t at = 0) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<unsigned char>(s.at(at + i));
    return v;
}
inline std::uint16_t u16_of(std::string_view s, std::size_t at = 0) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(s.at(at)) << 8) |
                                      static_cast<unsigned char>(s.at(at + 1)));
}
inline std::string login_payload(const std::string& user, const std::string& password) {
    return tap::encode_login({user, tap::password_hash(password)});
}

class Tap {
  public:
    static constexpr const char* kSerial = "IoTzPr004100000000";

    explicit Tap(CommandProcessor::Options options = {}, const tap::Project* project = nullptr)
        : options_(options), project_(project ? *project : tap::sensor_demo_project()) {
        SimulatedTarget::Options o;
        o.seed = 7;
        o.start = now.steady;
        target = std::make_unique<SimulatedTarget>(o);
        EXPECT_TRUE(target->connect().ok());
        open();
    }

    // Closes and reopens everything but the board, as a restart of the Tap does.
    void reopen() {
        processor.reset();
        datalog.reset();
        firmware.reset();
        open();
    }

    tap::TapResponse call(Method m, const Path& path, std::string payload = {},
                          std::string_view requester = "") {
        tap::TapRequest req{m, path, std::move(payload)};
        // Through the APDU codec both ways, as the runtime carries them.
        tap::TapRequest wire = tap::decode_apdu_request(tap::encode_apdu_request(req));
        EXPECT_EQ(wire, req);
        return tap::decode_apdu_response(tap::encode_apdu_response(processor->handle(requester, wire, now)));
    }
    ResultCode code(Method m, const Path& path, std::string payload = {}, std::string_view requester = "") {
        return call(m, path, std::move(payload), requester).code;
    }
    std::string get(const Path& path, std::string_view requester = "") {
        auto r = call(Method::Get, path, {}, requester);
        EXPECT_EQ(r.code, ResultCode::Content) << path.to_string() << ": " << r.data;
        return r.data;
    }
    ResultCode login(const std::string& user, const std::string& password, std::string_view requester = "") {
        return code(Method::Post, tap::paths::kLogin, login_payload(user, password), requester);
    }
    std::uint16_t profile(std::string_view requester = "") {
        return u16_of(get(tap::paths::kCurrentProfile, requester));
    }
    void advance(std::chrono::milliseconds d) {
        now.steady += d;
        now.system += d;
        target->advance_to(now.steady);
    }

    TimePoints now{SimulatedTarget::Clock::time_point{} + 10h,
                   std::chrono::system_clock::time_point{} + 1'700'000'000s};
    TempDir tmp;
    std::unique_ptr<StateDir> dir;
    std::unique_ptr<SimulatedTarget> target;
    std::unique_ptr<FirmwareUpdate> firmware;
    std::unique_ptr<DatalogQueue> datalog;
    RecordingHooks hooks;
    std::unique_ptr<CommandProcessor> processor;

  private:
    void open() {
        dir = std::make_unique<StateDir>(tmp.path() / "state");
        firmware = std::make_unique<FirmwareUpdate>(*dir);
        DatalogQueue::Options d;
        d.sync = false;
        datalog = std::make_unique<DatalogQueue>(*dir, d);
        processor = std::make_unique<CommandProcessor>(TapIdentity{kSerial}, *target, *dir, *firmware,
                                                       *datalog, hooks, project_, options_);
    }

    CommandProcessor::Options options_;
    tap::Project project_;
};

}  // namespace tapmq::relay::test
