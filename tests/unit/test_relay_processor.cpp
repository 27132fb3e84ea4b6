// The command processor on the Sensor Demo project and the simulated board: identity, the order of
// checks, login and sessions, bundles, variables, raw memory, the target's errors.
#include <cstring>
#include <random>

#include "tap/value.hpp"
#include "test_relay_processor_util.hpp"

namespace tapmq::relay::test {
namespace {

namespace paths = tap::paths;

TEST(RelayProcessor, IdentityNameVersionAndTime) {
    Tap tap;
    EXPECT_EQ(tap.get(paths::kManufacturer), "tapmq");
    EXPECT_EQ(tap.get(paths::kModel), "Tap-Sim");
    EXPECT_EQ(tap.get(paths::kSerialNumber), Tap::kSerial);
    EXPECT_EQ(tap.get(paths::kFirmwareVersion), "1.0.0");
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
    EXPECT_EQ(tap.get(paths::kConfigVersion), be32(1));
    EXPECT_EQ(tap.get(paths::kCurrentTime), be32(1'700'000'000));
    tap.advance(90s);
    EXPECT_EQ(u32_of(tap.get(paths::kCurrentTime)), 1'700'000'090u);
    EXPECT_EQ(tap.profile(), tap::kAnonymousProfile);
    EXPECT_EQ(tap.processor->config_version(), 1u);
    EXPECT_TRUE(tap.processor->startup_warning().empty());
}

TEST(RelayProcessor, UnknownPathsAreNotFound) {
    Tap tap;
    for (const char* p :
         {"/7//0", "/3/1/0", "/3//99", "/3//", "/1024//77", "/1024/0/9", "/1027//5", "/1028//1", "/1028/9/1",
          "/1028/1/2", "/1029/99/4", "/1029/1/3", "/1031//12", "/5//1", "//0/0"}) {
        auto r = tap.call(Method::Get, Path::parse(p));
        EXPECT_EQ(r.code, ResultCode::NotFound) << p;
        EXPECT_NE(r.data.find("no resource"), std::string::npos) << r.data;
        // Even a request the profile could not make, with a bad payload: the path comes first.
        EXPECT_EQ(tap.code(Method::Put, Path::parse(p), "x"), ResultCode::NotFound) << p;
    }
    EXPECT_EQ(tap.code(Method::Get, Path{}), ResultCode::NotFound);
}

TEST(RelayProcessor, OrderOfChecksPathMethodRightsValue) {
    Tap tap;
    const auto count = paths::variable_value(1), period = paths::variable_value(4);
    // A PUT on read-only Count: 0x85 whatever the profile, even with a malformed value.
    EXPECT_EQ(tap.code(Method::Put, count, be32(5)), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Put, count, "x"), ResultCode::MethodNotAllowed);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, count, be32(5)), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Post, count), ResultCode::MethodNotAllowed);
    ASSERT_EQ(tap.code(Method::Post, paths::kLogout), ResultCode::Changed);
    // Anonymous may not write Period: 0x81 before the value is looked at.
    EXPECT_EQ(tap.code(Method::Put, period, be32(100)), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Put, period, be32(5)), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Put, period, "xy"), ResultCode::Unauthorized);
    // Supervisor may: now the value decides.
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    auto r = tap.call(Method::Put, period, be32(5));
    EXPECT_EQ(r.code, ResultCode::BadRequest);
    EXPECT_NE(r.data.find("Period"), std::string::npos) << r.data;
    EXPECT_EQ(tap.code(Method::Put, period, be32(9)), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, period, be32(60001)), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, period, be32(static_cast<std::uint32_t>(-100))), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, period, "xy"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, period, be32(10)), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, period, be32(60000)), ResultCode::Changed);
    // Methods per resource.
    EXPECT_EQ(tap.code(Method::Post, paths::kManufacturer), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Put, paths::kSerialNumber, "x"), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Get, paths::kReboot), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Get, paths::kLogin), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Put, paths::bundle_values(1), "x"), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Put, paths::kReadableValues, "x"), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Get, paths::kMultiCommand), ResultCode::MethodNotAllowed);
    // A payload where none belongs: 0x80, after the rights.
    EXPECT_EQ(tap.code(Method::Get, paths::kManufacturer, "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kReboot, "x"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.hooks.reboots, 0);
}

TEST(RelayProcessor, RebootNeedsAdminAndCallsTheHook) {
    Tap tap;
    EXPECT_EQ(tap.code(Method::Post, paths::kReboot), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, paths::kReboot), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, paths::kReboot, "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.hooks.reboots, 0);
    EXPECT_EQ(tap.code(Method::Post, paths::kReboot), ResultCode::Changed);
    EXPECT_EQ(tap.hooks.reboots, 1);
}

TEST(RelayProcessor, LoginWithTheProjectsHashesAndWrongOnes) {
    Tap tap;
    EXPECT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), tap::kSupervisorProfile);
    EXPECT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), tap::kAdminProfile);
    // A failed login leaves the requester anonymous.
    auto r = tap.call(Method::Post, paths::kLogin, login_payload("admin", "Admin"));
    EXPECT_EQ(r.code, ResultCode::Unauthorized);
    EXPECT_EQ(r.data, "wrong password for admin");
    EXPECT_EQ(tap.profile(), tap::kAnonymousProfile);
    EXPECT_EQ(tap.login("root", "admin"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.login("anonymous", ""), ResultCode::Unauthorized);
    EXPECT_EQ(tap.login("supervisor", "admin"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.profile(), tap::kAnonymousProfile);
    // The spec's hash for "admin", sent as bytes.
    std::string payload = std::string("admin") + std::string(11, '\0') +
                          std::string("\x01\x55\xAF\xFC\x02\x3A\xFF\x68\x82\xF5\x6A\x4E\x0D\x9C\x54\x66", 16);
    EXPECT_EQ(tap.code(Method::Post, paths::kLogin, payload), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), tap::kAdminProfile);
    // Malformed login payloads: 0x80.
    EXPECT_EQ(tap.code(Method::Post, paths::kLogin, payload.substr(0, 31)), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kLogin, payload + "x"), ResultCode::BadRequest);
    std::string bad = payload;
    bad[6] = 'x';  // a byte after the user name's NUL
    EXPECT_EQ(tap.code(Method::Post, paths::kLogin, bad), ResultCode::BadRequest);
    // Logout.
    EXPECT_EQ(tap.code(Method::Post, paths::kLogout, "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kLogout), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), tap::kAnonymousProfile);
    EXPECT_EQ(tap.code(Method::Post, paths::kLogout), ResultCode::Changed);  // already anonymous: fine
}

TEST(RelayProcessor, LoginWithAProjectGivingPlainPasswords) {
    auto project = tap::Project::parse(R"({
      "application": {"name": "plain", "config_version": 7},
      "variables": [{"id": 1, "name": "Count", "address": "0x20000000", "type": "int32"}],
      "bundles": [{"id": 1, "name": "b", "variables": ["Count"], "rights": [{"profile": "operator", "read": true}]}],
      "profiles": [{"id": 0, "name": "anonymous"},
                   {"id": 12, "name": "operator", "password": "s3cret pass", "lifetime_s": 60}]
    })",
                                       "plain.json");
    Tap tap({}, &project);
    EXPECT_EQ(tap.get(paths::kConfigVersion), be32(7));
    EXPECT_EQ(tap.code(Method::Get, paths::bundle_values(1)), ResultCode::Unauthorized);
    EXPECT_EQ(tap.login("operator", "s3cret"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.login("operator", "s3cret pass"), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), 12);
    EXPECT_EQ(tap.get(paths::bundle_values(1)).size(), 4u);
    EXPECT_EQ(tap.login("admin", "admin"), ResultCode::Unauthorized);  // no admin in this project
    tap.advance(60s);                                                  // its lifetime is 60 s
    EXPECT_EQ(tap.code(Method::Get, paths::bundle_values(1)), ResultCode::Unauthorized);
}

TEST(RelayProcessor, LifetimeCountsFromTheLastRequest) {
    Tap tap;
    ASSERT_EQ(tap.login("admin", "admin", "a"), ResultCode::Changed);
    tap.advance(299s);
    EXPECT_EQ(tap.profile("a"), tap::kAdminProfile);  // this request starts the lifetime again
    tap.advance(299s);
    EXPECT_EQ(tap.processor->profile_of("a", tap.now.steady), tap::kAdminProfile);
    // A refused request refreshes it too.
    EXPECT_EQ(tap.code(Method::Get, Path::parse("/9//9"), {}, "a"), ResultCode::NotFound);
    tap.advance(299s);
    EXPECT_EQ(tap.code(Method::Get, paths::kReadableValues, {}, "a"), ResultCode::Content);
    tap.advance(300s);  // 300 s of silence: the login has ended
    EXPECT_EQ(tap.processor->profile_of("a", tap.now.steady), tap::kAnonymousProfile);
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayPassword, {}, "a"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.profile("a"), tap::kAnonymousProfile);
    EXPECT_EQ(tap.processor->session_count(), 0u);
}

TEST(RelayProcessor, SessionsArePerRequester) {
    Tap tap;
    ASSERT_EQ(tap.login("admin", "admin", "sender-1"), ResultCode::Changed);
    ASSERT_EQ(tap.login("supervisor", "supervisor", "IOTIZE_DEV/x/resp/web"), ResultCode::Changed);
    EXPECT_EQ(tap.profile("sender-1"), tap::kAdminProfile);
    EXPECT_EQ(tap.profile("IOTIZE_DEV/x/resp/web"), tap::kSupervisorProfile);
    EXPECT_EQ(tap.profile(""), tap::kAnonymousProfile);
    EXPECT_EQ(tap.profile("sender-2"), tap::kAnonymousProfile);
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayNetkey, {}, "sender-2"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayNetkey, {}, "sender-1"), ResultCode::Content);
    // The bare cmd topic's requester ("") is one shared session.
    ASSERT_EQ(tap.login("supervisor", "supervisor", ""), ResultCode::Changed);
    EXPECT_EQ(tap.profile(""), tap::kSupervisorProfile);
    ASSERT_EQ(tap.code(Method::Post, paths::kLogout, {}, "sender-1"), ResultCode::Changed);
    EXPECT_EQ(tap.profile("sender-1"), tap::kAnonymousProfile);
    EXPECT_EQ(tap.profile("IOTIZE_DEV/x/resp/web"), tap::kSupervisorProfile);
    EXPECT_EQ(tap.processor->session_count(), 2u);
}

TEST(RelayProcessor, SessionsAreBoundedLeastRecentlyUsedFirst) {
    CommandProcessor::Options o;
    o.max_sessions = 2;
    Tap tap(o);
    ASSERT_EQ(tap.login("admin", "admin", "a"), ResultCode::Changed);
    ASSERT_EQ(tap.login("admin", "admin", "b"), ResultCode::Changed);
    tap.advance(1s);
    EXPECT_EQ(tap.profile("a"), tap::kAdminProfile);  // a is now more recent than b
    ASSERT_EQ(tap.login("supervisor", "supervisor", "c"), ResultCode::Changed);
    EXPECT_EQ(tap.processor->session_count(), 2u);
    EXPECT_EQ(tap.profile("b"), tap::kAnonymousProfile);
    EXPECT_EQ(tap.profile("a"), tap::kAdminProfile);
    EXPECT_EQ(tap.profile("c"), tap::kSupervisorProfile);
}

TEST(RelayProcessor, BundlesPerProfile) {
    Tap tap;
    tap.advance(3500ms);
    // Anonymous reads Count_Status {Count, LEDStatus} and Sensors, not Count_Control.
    std::string cs = tap.get(paths::bundle_values(1));
    ASSERT_EQ(cs.size(), 5u);
    EXPECT_EQ(u32_of(cs), 3u);
    EXPECT_EQ(cs[4], 1);  // blink: LEDStatus = Count & 1
    std::string sensors = tap.get(paths::bundle_values(2));
    ASSERT_EQ(sensors.size(), 8u);
    const auto& project = tap.processor->project();
    auto values = tap::split_bundle_values(project, *project.bundle(2), sensors);
    double t = tap::decode_value(*project.variable(5), values[0]).at(0);
    double v = tap::decode_value(*project.variable(6), values[1]).at(0);
    EXPECT_GE(t, 22);
    EXPECT_LE(t, 28);
    EXPECT_GE(v, 3.25);
    EXPECT_LE(v, 3.35);
    auto r = tap.call(Method::Get, paths::bundle_values(3));
    EXPECT_EQ(r.code, ResultCode::Unauthorized);
    EXPECT_EQ(r.data, "anonymous may not GET bundle Count_Control (/1028/3/1)");
    // Supervisor reads all three; Count_Control is Period then LEDConfig.
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::bundle_values(3)), be32(1000) + std::string(1, '\2'));
    EXPECT_EQ(tap.get(paths::bundle_values(1)).size(), 5u);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::bundle_values(3)).size(), 5u);
    EXPECT_EQ(tap.code(Method::Get, paths::bundle_values(3), "x"), ResultCode::BadRequest);
}

TEST(RelayProcessor, VariablesReadAndWritten) {
    Tap tap;
    tap.advance(2000ms);
    EXPECT_EQ(tap.get(paths::variable_value(1)), be32(2));  // anonymous reads Count
    EXPECT_EQ(tap.code(Method::Get, paths::variable_value(4)), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::variable_value(4)), be32(1000));
    // The written bytes land in the board's memory at the project's address.
    ASSERT_EQ(tap.code(Method::Put, paths::variable_value(4), be32(250)), ResultCode::Changed);
    std::string period(reinterpret_cast<const char*>(tap.target->ram().data()) + 0xC, 4);
    EXPECT_EQ(period, be32(250));
    EXPECT_EQ(tap.get(paths::variable_value(4)), be32(250));
}

TEST(RelayProcessor, PeriodWriteChangesCountsSpeed) {
    Tap tap;
    tap.advance(10s);
    EXPECT_EQ(u32_of(tap.get(paths::variable_value(1))), 10u);  // one per 1000 ms
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, paths::variable_value(4), be32(100)), ResultCode::Changed);
    tap.advance(5s);
    EXPECT_EQ(u32_of(tap.get(paths::variable_value(1))), 60u);  // one per 100 ms
    ASSERT_EQ(tap.code(Method::Put, paths::variable_value(4), be32(60000)), ResultCode::Changed);
    tap.advance(59s);
    EXPECT_EQ(u32_of(tap.get(paths::variable_value(1))), 60u);
    tap.advance(1s);
    EXPECT_EQ(u32_of(tap.get(paths::variable_value(1))), 61u);
}

TEST(RelayProcessor, LedConfigDrivesLedStatusWithItsNames) {
    Tap tap;
    const auto& project = tap.processor->project();
    const tap::Variable& config = *project.variable("LEDConfig");
    const tap::Variable& status = *project.variable("LEDStatus");
    auto label = [&](const tap::Variable& v, const std::string& raw) {
        return tap::label_of(v, tap::decode_value(v, raw).at(0)).value_or("?");
    };
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(label(config, tap.get(paths::variable_value(3))), "blink");
    for (auto [name, led] : {std::pair{"off", "off"}, std::pair{"on", "on"}, std::pair{"off", "off"}}) {
        ASSERT_EQ(tap.code(Method::Put, paths::variable_value(3), tap::parse_value(config, name)),
                  ResultCode::Changed);
        EXPECT_EQ(label(config, tap.get(paths::variable_value(3))), name);
        EXPECT_EQ(label(status, tap.get(paths::variable_value(2))), led);
    }
    ASSERT_EQ(tap.code(Method::Put, paths::variable_value(3), tap::parse_value(config, "blink")),
              ResultCode::Changed);
    tap.advance(1000ms);
    EXPECT_EQ(label(status, tap.get(paths::variable_value(2))), "on");  // Count 1
    tap.advance(1000ms);
    EXPECT_EQ(label(status, tap.get(paths::variable_value(2))), "off");  // Count 2
    // 3 is not one of the choices; two bytes are not a uint8.
    EXPECT_EQ(tap.code(Method::Put, paths::variable_value(3), std::string(1, '\3')), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, paths::variable_value(3), std::string(2, '\0')), ResultCode::BadRequest);
    // LEDStatus is read-only.
    EXPECT_EQ(tap.code(Method::Put, paths::variable_value(2), std::string(1, '\1')),
              ResultCode::MethodNotAllowed);
}

TEST(RelayProcessor, ReadableValuesListEveryVariableTheProfileMayRead) {
    Tap tap;
    auto ids_of = [](const std::string& data) {
        std::vector<std::uint16_t> ids;
        for (std::size_t i = 0; i < data.size();) {
            ids.push_back(u16_of(data, i));
            i += 4 + u16_of(data, i + 2);
        }
        return ids;
    };
    tap.advance(1000ms);
    std::string anon = tap.get(paths::kReadableValues);
    EXPECT_EQ(ids_of(anon), (std::vector<std::uint16_t>{1, 2, 5, 6}));
    EXPECT_EQ(anon.substr(0, 8), be16(1) + be16(4) + be32(1));
    EXPECT_EQ(anon.substr(8, 5), be16(2) + be16(1) + std::string(1, '\1'));
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    std::string all = tap.get(paths::kReadableValues);
    EXPECT_EQ(ids_of(all), (std::vector<std::uint16_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(all.size(), 6 * 4u + 4 + 1 + 1 + 4 + 4 + 4);
}

TEST(RelayProcessor, RawMemoryIsForAdmin) {
    Tap tap;
    tap.advance(5000ms);
    auto access = [](std::uint32_t address, std::uint32_t count, std::uint8_t size) {
        return be32(address) + be32(count) + std::string(1, static_cast<char>(size));
    };
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x20000000, 1, 4)),
              ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x20000000, 1, 4)),
              ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    auto r = tap.call(Method::Get, paths::kTargetMemory, access(0x20000000, 1, 4));
    ASSERT_EQ(r.code, ResultCode::Content);
    EXPECT_EQ(r.data, be32(5));  // Count
    r = tap.call(Method::Get, paths::kTargetMemory, access(0x20000008, 2, 1));
    EXPECT_EQ(r.data, std::string("\1\2", 2));  // LEDStatus, LEDConfig
    // Write Period (3 words of 1 byte would be the wrong length: 0x80).
    EXPECT_EQ(tap.code(Method::Put, paths::kTargetMemory, access(0x2000000C, 2, 2) + be32(200)),
              ResultCode::Changed);
    EXPECT_EQ(tap.call(Method::Get, paths::kTargetMemory, access(0x2000000C, 1, 4)).data, be32(200));
    EXPECT_EQ(tap.code(Method::Put, paths::kTargetMemory, access(0x2000000C, 3, 1) + be32(200)),
              ResultCode::BadRequest);
    // Raw memory bypasses the project: even a read-only variable's bytes can be written.
    EXPECT_EQ(tap.code(Method::Put, paths::kTargetMemory, access(0x20000000, 1, 4) + be32(77)),
              ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::variable_value(1)), be32(77));
    // Malformed: short; a word size of 3 (0xB3); outside RAM (0xB4); too large for one request.
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, be32(0x20000000)), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x20000000, 1, 4) + "x"),
              ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x20000000, 1, 3)),
              ResultCode::TargetWrongParam);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x10000000, 1, 4)),
              ResultCode::TargetForbidden);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0xFFFFFFFC, 2, 4)),
              ResultCode::TargetWrongParam);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetMemory, access(0x20000000, 1025, 4)),
              ResultCode::BadRequest);
    EXPECT_EQ(tap.call(Method::Get, paths::kTargetMemory, access(0x20000000, 1024, 4)).data.size(), 4096u);
}

TEST(RelayProcessor, TargetConnectDisconnectAndItsErrors) {
    Tap tap;
    EXPECT_EQ(tap.code(Method::Post, paths::kTargetDisconnect), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Get, paths::kTargetConnect), ResultCode::MethodNotAllowed);
    ASSERT_EQ(tap.code(Method::Post, paths::kTargetDisconnect), ResultCode::Changed);
    EXPECT_FALSE(tap.target->connected());
    // Disconnected on purpose: reads answer 0xA5 and do not reconnect.
    auto r = tap.call(Method::Get, paths::variable_value(1));
    EXPECT_EQ(r.code, ResultCode::TargetUnreachable);
    EXPECT_NE(r.data.find("POST /1027//3"), std::string::npos) << r.data;
    EXPECT_EQ(tap.code(Method::Get, paths::bundle_values(1)), ResultCode::TargetUnreachable);
    EXPECT_FALSE(tap.target->connected());
    ASSERT_EQ(tap.code(Method::Post, paths::kTargetConnect), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Get, paths::variable_value(1)), ResultCode::Content);
    // The board unplugged: the broken connection says 0xB7 once, then 0xA5.
    tap.target->set_reachable(false);
    EXPECT_EQ(tap.code(Method::Get, paths::variable_value(1)), ResultCode::TargetLostCom);
    EXPECT_EQ(tap.code(Method::Get, paths::variable_value(1)), ResultCode::TargetUnreachable);
    EXPECT_EQ(tap.code(Method::Post, paths::kTargetConnect), ResultCode::TargetUnreachable);
    // Plugged in again: the next read connects by itself (nobody disconnected it on purpose).
    tap.target->set_reachable(true);
    EXPECT_EQ(tap.code(Method::Get, paths::variable_value(1)), ResultCode::Content);
    EXPECT_TRUE(tap.target->connected());
}

}  // namespace
}  // namespace tapmq::relay::test

namespace tapmq::relay::test {
namespace {

// Random requests on the real paths (and some others) with random payloads, as anonymous and as
// admin: handle() never throws, every answer's code is a known one, and nothing but the objects'
// own rules decides it (a GET of the identity still works afterwards).
TEST(RelayProcessor, RandomRequestsAreAnsweredWithKnownCodes) {
    Tap tap;
    std::mt19937 rng(12345);
    const std::vector<Path> known = {tap::paths::kManufacturer,
                                     tap::paths::kSerialNumber,
                                     tap::paths::kCurrentTime,
                                     tap::paths::kLogin,
                                     tap::paths::kLogout,
                                     tap::paths::kCurrentProfile,
                                     tap::paths::kConfigVersion,
                                     tap::paths::kRelayBrokerPort,
                                     tap::paths::kRelayTopicPrefix,
                                     tap::paths::kMultiCommand,
                                     tap::paths::kTargetMemory,
                                     tap::paths::bundle_values(1),
                                     tap::paths::bundle_values(3),
                                     tap::paths::variable_value(3),
                                     tap::paths::variable_value(4),
                                     tap::paths::kReadableValues,
                                     tap::paths::kDatalogDequeue,
                                     tap::paths::kFirmwarePackage,
                                     tap::paths::kFirmwareState,
                                     Path{1024, std::nullopt, 11},
                                     Path{1027, 1, 33},
                                     Path{9, 9, 9}};
    auto random_payload = [&] {
        std::string p(rng() % 48, '\0');
        for (auto& c : p)
            c = static_cast<char>(rng() % 4 == 0 ? 0xFF : rng() % 256);
        return p;
    };
    for (int i = 0; i < 4000; ++i) {
        if (i == 2000) {
            ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
        }
        tap::TapRequest req{static_cast<Method>(1 + rng() % 3), known[rng() % known.size()],
                            random_payload()};
        if (req.path == tap::paths::kMultiCommand && rng() % 2) {
            std::vector<tap::MultiCommandItem> items;
            for (int k = 0; k < 3; ++k)
                items.push_back(
                    {{static_cast<Method>(1 + rng() % 3), known[rng() % known.size()], random_payload()},
                     static_cast<ResultCode>(rng() % 256)});
            req.payload = tap::encode_multi_command(items);
        }
        tap::TapResponse r;
        ASSERT_NO_THROW(r = tap.processor->handle("fuzz", req, tap.now)) << tap::describe(req);
        EXPECT_TRUE(tap::is_known(r.code)) << tap::describe(req) << " -> " << tap::describe(r.code);
        if (r.code == ResultCode::Content && req.path == tap::paths::kMultiCommand) {
            EXPECT_NO_THROW(tap::decode_multi_response(r.data));
        }
        tap.advance(10ms);
    }
    EXPECT_EQ(tap.get(tap::paths::kSerialNumber), Tap::kSerial);
}

}  // namespace
}  // namespace tapmq::relay::test
