// The command processor's state-changing objects: relay settings, multi-command, configuration
// upload, firmware update, the datalog; what survives reopening the state directory.
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "test_relay_processor_util.hpp"

namespace tapmq::relay::test {
namespace {

namespace paths = tap::paths;

std::string sha256(std::string_view data) {
    std::string out(32, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

std::string start_part(std::string_view file) {
    return be32(0xFFFFFFFF) + be32(static_cast<std::uint32_t>(file.size())) + sha256(file);
}

// The Sensor Demo project with another name and version (and optionally another admin password).
std::string demo_variant(const std::string& name, std::uint32_t version,
                         const char* admin_password = nullptr) {
    auto j = nlohmann::json::parse(tap::sensor_demo_json());
    j["application"]["name"] = name;
    j["application"]["config_version"] = version;
    if (admin_password) {
        for (auto& p : j["profiles"]) {
            if (p["name"] == "admin") {
                p.erase("password_hash");
                p["password"] = admin_password;
            }
        }
    }
    return j.dump(1);
}

// Uploads `file` in parts of `part` bytes; the codes of every PUT must be 0x44.
void upload(Tap& tap, std::string_view file, std::size_t part = 1000, std::string_view requester = "") {
    ASSERT_EQ(tap.code(Method::Put, Path{1024, std::nullopt, 11}, start_part(file), requester),
              ResultCode::Changed);
    for (std::size_t off = 0; off < file.size(); off += part) {
        ASSERT_EQ(
            tap.code(Method::Put, Path{1024, std::nullopt, 11},
                     be32(static_cast<std::uint32_t>(off)) + std::string(file.substr(off, part)), requester),
            ResultCode::Changed);
    }
}

const Path kConfig{1024, std::nullopt, 11};

TEST(RelayProcessorState, RelaySettingsReadAndWritten) {
    Tap tap;
    EXPECT_EQ(tap.get(paths::kRelayBrokerHost), "127.0.0.1");
    EXPECT_EQ(tap.get(paths::kRelayBrokerPort), be16(1883));
    EXPECT_EQ(tap.get(paths::kRelayClientId), Tap::kSerial);
    EXPECT_EQ(tap.get(paths::kRelayUsername), Tap::kSerial);
    EXPECT_EQ(tap.get(paths::kRelayTopicPrefix), std::string("IOTIZE_DEV/") + Tap::kSerial + "_DEV");
    // The password and netkey: admin only, never readable by others.
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayPassword), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayNetkey), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Get, paths::kRelayNetkey), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayBrokerHost, "broker.example"), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::kRelayPassword), "");
    EXPECT_EQ(tap.get(paths::kRelayNetkey), "");
    // Writes: checked, applied, saved, hook called once per accepted write.
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayBrokerHost, "broker.example"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayBrokerPort, be16(8883)), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayPassword, "{serial}_0000000000"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayNetkey, "testnetkey"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayTopicPrefix, "plant/{serial}"), ResultCode::Changed);
    EXPECT_EQ(tap.hooks.relay_changes, 5);
    for (auto [path, bad] :
         {std::pair{paths::kRelayBrokerHost, std::string()},
          std::pair{paths::kRelayBrokerHost, std::string("a b")}, std::pair{paths::kRelayBrokerPort, be16(0)},
          std::pair{paths::kRelayBrokerPort, std::string("\x07")},
          std::pair{paths::kRelayClientId, std::string()},
          std::pair{paths::kRelayUsername, std::string("a\0b", 3)},
          std::pair{paths::kRelayPassword, std::string("\xC3\x28")},
          std::pair{paths::kRelayTopicPrefix, std::string("a/#")},
          std::pair{paths::kRelayTopicPrefix, std::string("/a")},
          std::pair{paths::kRelayTopicPrefix, std::string("a/")}}) {
        EXPECT_EQ(tap.code(Method::Put, path, bad), ResultCode::BadRequest) << path.to_string() << " " << bad;
    }
    EXPECT_EQ(tap.hooks.relay_changes, 5);
    EXPECT_EQ(tap.get(paths::kRelayPassword), std::string(Tap::kSerial) + "_0000000000");
    EXPECT_EQ(tap.get(paths::kRelayNetkey), "testnetkey");
    auto r = tap.processor->relay_settings();
    EXPECT_EQ(r.host, "broker.example");
    EXPECT_EQ(r.port, 8883);
    EXPECT_EQ(r.client_id, Tap::kSerial);
    EXPECT_EQ(r.password, std::string(Tap::kSerial) + "_0000000000");
    EXPECT_EQ(r.netkey, "testnetkey");
    EXPECT_EQ(r.topic_prefix, std::string("plant/") + Tap::kSerial);
    // They survive a restart, and the file is not readable by others.
    tap.reopen();
    EXPECT_EQ(tap.processor->relay_settings(), r);
    EXPECT_TRUE(tap.processor->startup_warning().empty());
    auto perms = std::filesystem::status(tap.dir->file("relay.json")).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none);
    // A damaged file is ignored with a warning; the project's settings apply.
    spit(tap.dir->file("relay.json"), "{\"port\": 70000}");
    tap.reopen();
    EXPECT_EQ(tap.processor->relay_settings().port, 1883);
    EXPECT_NE(tap.processor->startup_warning().find("relay.json"), std::string::npos);
}

TEST(RelayProcessorState, MultiCommandRunsItemsInOrderAndStopsAtTheFirstSurprise) {
    Tap tap;
    using Item = tap::MultiCommandItem;
    std::vector<Item> items{
        {{Method::Get, paths::kApplicationName, {}}, ResultCode::Content},
        {{Method::Post, paths::kLogin, login_payload("supervisor", "supervisor")}, ResultCode::Changed},
        {{Method::Get, paths::kCurrentProfile, {}}, ResultCode::Content},
        {{Method::Put, paths::variable_value(4), be32(100)}, ResultCode::Changed},
        {{Method::Get, paths::variable_value(4), {}}, ResultCode::Content},
    };
    auto r = tap.call(Method::Post, paths::kMultiCommand, tap::encode_multi_command(items));
    ASSERT_EQ(r.code, ResultCode::Content);
    auto replies = tap::decode_multi_response(r.data);
    ASSERT_EQ(replies.size(), 5u);
    EXPECT_EQ(replies[0], (tap::TapResponse{ResultCode::Content, "Sensor_demo"}));
    EXPECT_EQ(replies[1].code, ResultCode::Changed);
    EXPECT_EQ(replies[2].data, be16(tap::kSupervisorProfile));  // the login holds for the next items
    EXPECT_EQ(replies[4].data, be32(100));
    EXPECT_EQ(tap.profile(), tap::kSupervisorProfile);  // and after

    // Stops after the first item whose code is not the expected one.
    items = {
        {{Method::Get, paths::kSerialNumber, {}}, ResultCode::Content},
        {{Method::Put, paths::variable_value(1), be32(1)}, ResultCode::Changed},  // Count is read-only
        {{Method::Put, paths::variable_value(4), be32(500)}, ResultCode::Changed},
    };
    replies = tap::decode_multi_response(
        tap.call(Method::Post, paths::kMultiCommand, tap::encode_multi_command(items)).data);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[1].code, ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.get(paths::variable_value(4)), be32(100));  // the third never ran
    // An expected error is not a surprise.
    items[1].expected = ResultCode::MethodNotAllowed;
    replies = tap::decode_multi_response(
        tap.call(Method::Post, paths::kMultiCommand, tap::encode_multi_command(items)).data);
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(tap.get(paths::variable_value(4)), be32(500));
    // A multi-command inside one: that item is 0x80. Malformed payloads: 0x80.
    items = {{{Method::Post, paths::kMultiCommand, tap::encode_multi_command(items)}, ResultCode::Content}};
    replies = tap::decode_multi_response(
        tap.call(Method::Post, paths::kMultiCommand, tap::encode_multi_command(items)).data);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].code, ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kMultiCommand), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kMultiCommand, be16(3) + "abc" + "\x45"), ResultCode::BadRequest);
}

TEST(RelayProcessorState, ConfigUploadAppliedAtomicallyAndKeptAcrossRestarts) {
    Tap tap;
    const std::string file = demo_variant("Sensor_demo_v2", 2);
    // Admin only, every method.
    EXPECT_EQ(tap.code(Method::Put, kConfig, start_part(file)), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Get, kConfig), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("supervisor", "supervisor", "sup"), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, kConfig, {}, "sup"), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.get(kConfig), be32(0) + be32(0) + std::string(1, '\0'));
    upload(tap, file);
    std::string status = tap.get(kConfig);
    EXPECT_EQ(status, be32(file.size()) + be32(file.size()) + std::string(1, '\2'));
    // Not applied before the POST.
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
    ASSERT_EQ(tap.code(Method::Post, kConfig), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo_v2");
    EXPECT_EQ(tap.get(paths::kConfigVersion), be32(2));
    EXPECT_EQ(tap.processor->project().application().name, "Sensor_demo_v2");
    EXPECT_EQ(tap.hooks.projects, std::vector<std::string>{"Sensor_demo_v2"});
    EXPECT_EQ(tap.get(kConfig), be32(0) + be32(0) + std::string(1, '\0'));  // idle, no error
    // Logins whose profile and password did not change hold.
    EXPECT_EQ(tap.profile(), tap::kAdminProfile);
    EXPECT_EQ(tap.profile("sup"), tap::kSupervisorProfile);
    // A POST with nothing uploaded: 0x80.
    EXPECT_EQ(tap.code(Method::Post, kConfig), ResultCode::BadRequest);
    // Kept across a restart (the state directory's project wins over the initial one).
    tap.reopen();
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo_v2");
    EXPECT_EQ(tap.processor->config_version(), 2u);
    EXPECT_TRUE(tap.processor->startup_warning().empty());
    // A new admin password ends the admin's login.
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    ASSERT_EQ(tap.login("supervisor", "supervisor", "sup"), ResultCode::Changed);
    upload(tap, demo_variant("Sensor_demo_v3", 3, "n3w admin"), 4096);
    ASSERT_EQ(tap.code(Method::Post, kConfig), ResultCode::Changed);
    EXPECT_EQ(tap.profile(), tap::kAnonymousProfile);
    EXPECT_EQ(tap.profile("sup"), tap::kSupervisorProfile);
    EXPECT_EQ(tap.login("admin", "admin"), ResultCode::Unauthorized);
    EXPECT_EQ(tap.login("admin", "n3w admin"), ResultCode::Changed);
    // The saved file holds the hash, not the plain password.
    auto saved = tap.dir->read_text("project.json");
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->find("n3w admin"), std::string::npos);
    EXPECT_NE(saved->find(tap::password_hash_hex("n3w admin")), std::string::npos);
}

TEST(RelayProcessorState, ABadProjectIsRefusedAndTheRunningOneStays) {
    Tap tap;
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    std::string bad = demo_variant("Broken", 9);
    bad.replace(bad.find("\"float32\""), 9, "\"flot32\"");
    upload(tap, bad, 300);
    auto r = tap.call(Method::Post, kConfig);
    EXPECT_EQ(r.code, ResultCode::BadRequest);
    EXPECT_NE(r.data.find("flot32"), std::string::npos) << r.data;
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
    EXPECT_EQ(tap.get(paths::kConfigVersion), be32(1));
    EXPECT_TRUE(tap.hooks.projects.empty());
    EXPECT_FALSE(tap.dir->exists("project.json"));
    // The error is retrievable: GET answers idle and the last error's text.
    std::string status = tap.get(kConfig);
    ASSERT_GT(status.size(), 9u);
    EXPECT_EQ(status[8], 0);
    EXPECT_EQ(status.substr(9),
              "uploaded project: /variables/4/type: \"flot32\" is not a type (int8, uint8, int16, "
              "uint16, int32, uint32, float32, float64)");
    // Not JSON at all.
    upload(tap, "not a project");
    EXPECT_EQ(tap.code(Method::Post, kConfig), ResultCode::BadRequest);
    EXPECT_NE(tap.get(kConfig).find("uploaded project"), std::string::npos);
    // A good one afterwards clears the error.
    upload(tap, demo_variant("Good", 4));
    EXPECT_EQ(tap.code(Method::Post, kConfig), ResultCode::Changed);
    EXPECT_EQ(tap.get(kConfig).size(), 9u);
    // A damaged saved project at start: ignored with a warning, the initial project runs.
    spit(tap.dir->file("project.json"), "{\"application\": ");
    tap.reopen();
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
    EXPECT_NE(tap.processor->startup_warning().find("project.json"), std::string::npos)
        << tap.processor->startup_warning();
}

TEST(RelayProcessorState, AFailedSaveChangesNothing) {
    Tap tap;
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    // A directory where the atomic write puts its temporary file: the save fails (EISDIR).
    std::filesystem::create_directory(tap.dir->file("project.json.tmp"));
    std::filesystem::create_directory(tap.dir->file("relay.json.tmp"));
    upload(tap, demo_variant("Unsaved", 8));
    auto r = tap.call(Method::Post, kConfig);
    EXPECT_EQ(r.code, ResultCode::NvmError);
    EXPECT_NE(r.data.find("project.json"), std::string::npos) << r.data;
    EXPECT_EQ(tap.get(paths::kApplicationName), "Sensor_demo");
    EXPECT_TRUE(tap.hooks.projects.empty());
    EXPECT_NE(tap.get(kConfig).find("could not be saved"), std::string::npos);
    EXPECT_EQ(tap.code(Method::Put, paths::kRelayBrokerHost, "elsewhere"), ResultCode::NvmError);
    EXPECT_EQ(tap.get(paths::kRelayBrokerHost), "127.0.0.1");
    EXPECT_EQ(tap.hooks.relay_changes, 0);
    EXPECT_EQ(tap.profile(), tap::kAdminProfile);
}

TEST(RelayProcessorState, ConfigUploadInterruptedResumedAndCorrupted) {
    Tap tap;
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    const std::string file = demo_variant("Resumed", 5);
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(file)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, kConfig, be32(0) + file.substr(0, 700)), ResultCode::Changed);
    // The connection breaks; an early POST is refused and the upload goes on.
    auto r = tap.call(Method::Post, kConfig);
    EXPECT_EQ(r.code, ResultCode::BadRequest);
    EXPECT_EQ(r.data, "the upload is incomplete: 700 of " + std::to_string(file.size()) + " bytes received");
    std::string status = tap.get(kConfig);
    EXPECT_EQ(u32_of(status, 4), 700u);
    EXPECT_EQ(status[8], 1);
    // Resume: the same start keeps what was received; a gap, a different repeat, an overrun: 0x80.
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(file)), ResultCode::Changed);
    EXPECT_EQ(u32_of(tap.get(kConfig), 4), 700u);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(701) + file.substr(701, 10)), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(600) + std::string(200, 'x')), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(700) + file.substr(700) + "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(600) + file.substr(600, 200)),
              ResultCode::Changed);  // overlap
    ASSERT_EQ(tap.code(Method::Put, kConfig, be32(800) + file.substr(800)), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, kConfig), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::kApplicationName), "Resumed");

    // Corrupted in transit: the SHA-256 does not match, the upload is dropped.
    const std::string next = demo_variant("Corrupted", 6);
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(next)), ResultCode::Changed);
    std::string damaged = next;
    damaged[damaged.size() / 2] ^= 0x20;
    ASSERT_EQ(tap.code(Method::Put, kConfig, be32(0) + damaged), ResultCode::Changed);
    r = tap.call(Method::Post, kConfig);
    EXPECT_EQ(r.code, ResultCode::BadRequest);
    EXPECT_NE(r.data.find("SHA-256"), std::string::npos);
    EXPECT_EQ(tap.get(paths::kApplicationName), "Resumed");
    EXPECT_EQ(tap.get(kConfig)[8], 0);
    // Another start replaces an upload under way; an empty PUT cancels; malformed parts.
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(next)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, kConfig, be32(0) + next.substr(0, 100)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(file)), ResultCode::Changed);
    EXPECT_EQ(u32_of(tap.get(kConfig), 4), 0u);
    ASSERT_EQ(tap.code(Method::Put, kConfig, {}), ResultCode::Changed);
    EXPECT_EQ(tap.get(kConfig).substr(0, 9), be32(0) + be32(0) + std::string(1, '\0'));
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(0) + "x"), ResultCode::BadRequest);  // nothing started
    EXPECT_EQ(tap.code(Method::Put, kConfig, "abc"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, start_part(file) + "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(0xFFFFFFFF) + be32(0) + sha256("")),
              ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, kConfig, be32(0xFFFFFFFF) + be32((1u << 20) + 1) + sha256("")),
              ResultCode::NvmFull);
    // An upload under way is lost by a restart; the running project is not.
    ASSERT_EQ(tap.code(Method::Put, kConfig, start_part(next)), ResultCode::Changed);
    tap.reopen();
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    EXPECT_EQ(tap.get(kConfig).substr(0, 9), be32(0) + be32(0) + std::string(1, '\0'));
    EXPECT_EQ(tap.get(paths::kApplicationName), "Resumed");
}

TEST(RelayProcessorState, FirmwareUpdateGoodCorruptedAndInterrupted) {
    Tap tap;
    const std::string package = R"({"type": "tapmq-firmware", "version": "1.1.0"})";
    auto fw_start = [](std::string_view p) { return start_part(p); };
    // Anyone reads the state; only admin writes.
    EXPECT_EQ(tap.get(paths::kFirmwareState), std::string(1, '\0'));
    EXPECT_EQ(tap.get(paths::kFirmwareResult), std::string(1, '\0'));
    EXPECT_EQ(tap.get(paths::kFirmwarePackage), be32(0) + be32(0));
    EXPECT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(package)), ResultCode::Unauthorized);
    EXPECT_EQ(tap.code(Method::Post, paths::kFirmwareUpdate), ResultCode::Unauthorized);
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);

    // Corrupted: the bytes do not match the hash; the old firmware stays.
    std::string damaged = package;
    damaged[10] ^= 1;
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(package)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, be32(0) + damaged), ResultCode::Changed);
    auto r = tap.call(Method::Post, paths::kFirmwareUpdate);
    EXPECT_EQ(r.code, ResultCode::BadRequest);
    EXPECT_NE(r.data.find("SHA-256"), std::string::npos);
    EXPECT_EQ(tap.get(paths::kFirmwareResult), std::string(1, '\5'));
    EXPECT_EQ(tap.get(paths::kFirmwareVersion), "1.0.0");
    EXPECT_TRUE(tap.hooks.firmware.empty());

    // Interrupted: an early update is refused, the download resumes from GET /5//0's next offset.
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(package)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, be32(0) + package.substr(0, 20)),
              ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, paths::kFirmwareUpdate), ResultCode::BadRequest);
    EXPECT_EQ(tap.get(paths::kFirmwareState), std::string(1, '\1'));
    tap.reopen();  // the Tap restarts mid-download
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(package)), ResultCode::Changed);
    std::string progress = tap.get(paths::kFirmwarePackage);
    EXPECT_EQ(u32_of(progress), package.size());
    const std::uint32_t next = u32_of(progress, 4);
    EXPECT_LE(next, 20u);
    EXPECT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, be32(next + 1) + package.substr(next + 1)),
              ResultCode::BadRequest);  // a gap
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, be32(next) + package.substr(next)),
              ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::kFirmwareState), std::string(1, '\2'));
    // Good: verified, hook called with the new version; the restart makes it current.
    ASSERT_EQ(tap.code(Method::Post, paths::kFirmwareUpdate), ResultCode::Changed);
    EXPECT_EQ(tap.hooks.firmware, std::vector<std::string>{"1.1.0"});
    EXPECT_EQ(tap.get(paths::kFirmwareState), std::string(1, '\3'));
    EXPECT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(package)), ResultCode::Busy);
    tap.reopen();
    EXPECT_EQ(tap.get(paths::kFirmwareVersion), "1.1.0");
    EXPECT_EQ(tap.get(paths::kFirmwareResult), std::string(1, '\1'));
    EXPECT_EQ(tap.get(paths::kFirmwareState), std::string(1, '\0'));
    // Not a firmware package: result 6.
    ASSERT_EQ(tap.login("admin", "admin"), ResultCode::Changed);
    const std::string other = "hello";
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, fw_start(other)), ResultCode::Changed);
    ASSERT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, be32(0) + other), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, paths::kFirmwareUpdate), ResultCode::BadRequest);
    EXPECT_EQ(tap.get(paths::kFirmwareResult), std::string(1, '\6'));
    EXPECT_EQ(tap.code(Method::Put, paths::kFirmwarePackage, "abc"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Post, paths::kFirmwareUpdate), ResultCode::BadRequest);  // nothing downloaded
    EXPECT_EQ(tap.get(paths::kFirmwareVersion), "1.1.0");
}

TEST(RelayProcessorState, DatalogCountPeekAndDequeue) {
    Tap tap;
    EXPECT_EQ(tap.code(Method::Get, paths::kDatalogCount), ResultCode::Unauthorized);  // anonymous
    ASSERT_EQ(tap.login("supervisor", "supervisor"), ResultCode::Changed);
    EXPECT_EQ(tap.get(paths::kDatalogCount), be32(0));
    EXPECT_EQ(tap.get(paths::kDatalogDequeue), "");  // empty: no record
    EXPECT_EQ(tap.call(Method::Post, paths::kDatalogDequeue), (tap::TapResponse{ResultCode::Content, ""}));
    const auto s1 = tap.datalog->push(R"({"n":1})");
    tap.datalog->push(R"({"n":2})");
    tap.datalog->push(R"({"n":3})");
    EXPECT_EQ(tap.get(paths::kDatalogCount), be32(3));
    const std::string first = std::string(4, '\0') + be32(static_cast<std::uint32_t>(s1)) + R"({"n":1})";
    EXPECT_EQ(tap.get(paths::kDatalogDequeue), first);  // GET looks
    EXPECT_EQ(tap.get(paths::kDatalogCount), be32(3));
    auto r = tap.call(Method::Post, paths::kDatalogDequeue);  // POST takes
    EXPECT_EQ(r, (tap::TapResponse{ResultCode::Content, first}));
    EXPECT_EQ(tap.get(paths::kDatalogCount), be32(2));
    EXPECT_EQ(tap.datalog->front()->data, R"({"n":2})");  // not published again
    EXPECT_EQ(tap.code(Method::Post, paths::kDatalogDequeue, "x"), ResultCode::BadRequest);
    EXPECT_EQ(tap.code(Method::Put, paths::kDatalogDequeue, "x"), ResultCode::MethodNotAllowed);
    EXPECT_EQ(tap.code(Method::Post, paths::kDatalogCount), ResultCode::MethodNotAllowed);
    ASSERT_EQ(tap.code(Method::Post, paths::kLogout), ResultCode::Changed);
    EXPECT_EQ(tap.code(Method::Post, paths::kDatalogDequeue), ResultCode::Unauthorized);
    EXPECT_EQ(tap.datalog->size(), 2u);
}

}  // namespace
}  // namespace tapmq::relay::test
