// The project file: the shipped Sensor Demo project (every decision of tap-protocol.md §3), rights,
// JSON round trip, and many broken files, each refused with the file name, the JSON pointer and
// what is wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <sstream>

#include "tap/project.hpp"
#include "tap/sensor_demo.hpp"

namespace tapmq::tap {
namespace {

using ojson = nlohmann::ordered_json;

const Project& demo() {
    return sensor_demo_project();
}

TEST(TapProject, SensorDemoIsTheShippedFile) {
    std::ifstream in(std::string(TAPMQ_TAP_PROJECTS) + "/sensor_demo.json", std::ios::binary);
    ASSERT_TRUE(in) << TAPMQ_TAP_PROJECTS;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(sensor_demo_json(), text.str());
    EXPECT_EQ(&sensor_demo_project(), &sensor_demo_project());
}

TEST(TapProject, SensorDemoApplicationAndVariables) {
    const Project& p = demo();
    EXPECT_EQ(p.application().name, "Sensor_demo");
    EXPECT_EQ(p.application().config_version, 1u);
    struct Expected {
        std::uint16_t id;
        const char* name;
        std::uint32_t address;
        ValueType type;
        bool writable;
    };
    const Expected expected[] = {
        {1, "Count", 0x20000000, ValueType::Int32, false},
        {2, "LEDStatus", 0x20000008, ValueType::UInt8, false},
        {3, "LEDConfig", 0x20000009, ValueType::UInt8, true},
        {4, "Period", 0x2000000C, ValueType::Int32, true},
        {5, "Temperature_C", 0x20000018, ValueType::Float32, false},
        {6, "Voltage_V", 0x2000001C, ValueType::Float32, false},
    };
    ASSERT_EQ(p.variables().size(), std::size(expected));
    for (const auto& e : expected) {
        const Variable* v = p.variable(e.id);
        ASSERT_NE(v, nullptr) << e.name;
        EXPECT_EQ(v->name, e.name);
        EXPECT_EQ(v->address, e.address) << e.name;
        EXPECT_EQ(v->type, e.type) << e.name;
        EXPECT_EQ(v->writable, e.writable) << e.name;
        EXPECT_EQ(v->count, 1) << e.name;
        EXPECT_EQ(p.variable(e.name), v);
    }
    const Variable& period = *p.variable("Period");
    EXPECT_EQ(period.min, 10.0);
    EXPECT_EQ(period.max, 60000.0);
    EXPECT_EQ(period.unit, "ms");
    const Variable& led = *p.variable("LEDConfig");
    ASSERT_EQ(led.choices.size(), 3u);
    EXPECT_EQ(led.choices[0], (Choice{0, "off"}));
    EXPECT_EQ(led.choices[1], (Choice{1, "on"}));
    EXPECT_EQ(led.choices[2], (Choice{2, "blink"}));
    EXPECT_EQ(p.variable("Nope"), nullptr);
    EXPECT_EQ(p.variable(std::uint16_t{7}), nullptr);
}

TEST(TapProject, SensorDemoBundlesProfilesAlarms) {
    const Project& p = demo();
    ASSERT_EQ(p.bundles().size(), 3u);
    const Bundle& cs = *p.bundle("Count_Status");
    EXPECT_EQ(cs.id, 1);
    EXPECT_EQ(cs.variable_ids, (std::vector<std::uint16_t>{1, 2}));
    EXPECT_EQ(cs.monitoring_period_ms, 500u);
    const Bundle& s = *p.bundle("Sensors");
    EXPECT_EQ(s.id, 2);
    EXPECT_EQ(s.variable_ids, (std::vector<std::uint16_t>{5, 6}));
    EXPECT_EQ(s.monitoring_period_ms, 300u);
    const Bundle& cc = *p.bundle("Count_Control");
    EXPECT_EQ(cc.id, 3);
    EXPECT_EQ(cc.variable_ids, (std::vector<std::uint16_t>{4, 3}));
    EXPECT_EQ(cc.monitoring_period_ms, 2000u);
    for (const Bundle& b : p.bundles())
        EXPECT_EQ(b.datalog_period_ms, 60000u) << b.name;

    ASSERT_EQ(p.profiles().size(), 3u);
    EXPECT_EQ(p.profile("anonymous")->id, kAnonymousProfile);
    EXPECT_FALSE(p.profile(kAnonymousProfile)->password_hash.has_value());
    EXPECT_EQ(p.profile("supervisor")->id, kSupervisorProfile);
    EXPECT_EQ(p.profile(kSupervisorProfile)->password_hash, password_hash("supervisor"));
    EXPECT_EQ(p.profile("admin")->id, kAdminProfile);
    EXPECT_EQ(p.profile(kAdminProfile)->password_hash, password_hash("admin"));
    for (const Profile& prof : p.profiles())
        EXPECT_EQ(prof.lifetime_s, 300u) << prof.name;

    const AlarmRule* hot = p.alarm(1);
    ASSERT_NE(hot, nullptr);
    EXPECT_EQ(*hot, (AlarmRule{1, "Temperature_high", 5, AlarmKind::Above, 30.0, 0.5}));
    EXPECT_EQ(p.alarm(2)->kind, AlarmKind::Below);
    EXPECT_EQ(p.alarm(3)->kind, AlarmKind::Change);

    EXPECT_EQ(p.relay().topic_prefix, "IOTIZE_DEV/{serial}_DEV");
    EXPECT_EQ(expand_serial(p.relay().topic_prefix, "IoTzPr004100000000"),
              "IOTIZE_DEV/IoTzPr004100000000_DEV");
    EXPECT_EQ(expand_serial("{serial}_{serial}", "S"), "S_S");
    EXPECT_EQ(expand_serial("{seria}", "S"), "{seria}");
    EXPECT_EQ(p.relay().port, 1883);
    EXPECT_TRUE(p.relay().netkey.empty());
}

TEST(TapProject, SensorDemoRights) {
    const Project& p = demo();
    // Variable ids: Count 1, LEDStatus 2, LEDConfig 3, Period 4, Temperature_C 5, Voltage_V 6.
    for (std::uint16_t v = 1; v <= 6; ++v) {
        const bool anon_reads = v == 1 || v == 2 || v == 5 || v == 6;
        EXPECT_EQ(p.can_read(kAnonymousProfile, v), anon_reads) << v;
        EXPECT_FALSE(p.can_write(kAnonymousProfile, v)) << v;
        EXPECT_TRUE(p.can_read(kSupervisorProfile, v)) << v;
        EXPECT_EQ(p.can_write(kSupervisorProfile, v), v == 3 || v == 4) << v;
        EXPECT_TRUE(p.can_read(kAdminProfile, v)) << v;
        EXPECT_TRUE(p.can_write(kAdminProfile, v)) << v;
        EXPECT_FALSE(p.can_read(42, v)) << v;
    }
    EXPECT_FALSE(p.can_read(kAdminProfile, 7));  // no such variable
    EXPECT_EQ(p.readable_variables(kAnonymousProfile), (std::vector<std::uint16_t>{1, 2, 5, 6}));
    EXPECT_EQ(p.readable_variables(kSupervisorProfile), (std::vector<std::uint16_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(p.can_read_bundle(kAnonymousProfile, 1));
    EXPECT_TRUE(p.can_read_bundle(kAnonymousProfile, 2));
    EXPECT_FALSE(p.can_read_bundle(kAnonymousProfile, 3));
    EXPECT_TRUE(p.can_write_bundle(kSupervisorProfile, 3));
    EXPECT_FALSE(p.can_write_bundle(kSupervisorProfile, 1));
    EXPECT_TRUE(p.can_write_bundle(kAdminProfile, 1));
    EXPECT_FALSE(p.can_read_bundle(kAdminProfile, 9));
}

TEST(TapProject, JsonRoundTrip) {
    const std::string text = demo().to_json();
    const Project again = Project::parse(text, "pulled.json");
    EXPECT_EQ(again, demo());
    EXPECT_EQ(again.to_json(), text);
    const auto written = nlohmann::json::parse(text);
    for (const auto& prof : written["profiles"])
        EXPECT_FALSE(prof.contains("password"));
    EXPECT_NE(text.find("99C243D5F82EB712C281D5FFE7D12097"), std::string::npos);
    // A plain password is stored as its hash.
    const Project p = Project::parse(R"({"application": {"name": "a", "config_version": 2}, "variables": [],
        "profiles": [{"id": 9, "name": "bob", "password": "secret", "lifetime_s": 60}]})",
                                     "p.json");
    EXPECT_EQ(p.profile("bob")->password_hash, password_hash("secret"));
    EXPECT_EQ(Project::parse(p.to_json(), "again.json"), p);
}

TEST(TapProject, MinimalProjectTakesDefaults) {
    const Project p =
        Project::parse(R"({"application": {"name": "x", "config_version": 0}, "variables": []})", "m.json");
    EXPECT_TRUE(p.variables().empty());
    EXPECT_TRUE(p.bundles().empty());
    EXPECT_EQ(p.relay(), RelaySettings{});
    EXPECT_EQ(p.relay().client_id, "{serial}");
    const Project v = Project::parse(R"({"application": {"name": "x", "config_version": 0},
        "variables": [{"id": 0, "name": "a", "address": 4096, "type": "int16", "count": 3}]})",
                                     "v.json");
    EXPECT_EQ(v.variables()[0].address, 4096u);
    EXPECT_EQ(v.variables()[0].size(), 6u);
    EXPECT_FALSE(v.variables()[0].writable);
    EXPECT_EQ(v.variables()[0].render, Render::Number);
}

// The demo file as JSON, edited, dumped and parsed as "sensor_demo.json": the error it gives.
ProjectError error_after(const std::function<void(ojson&)>& edit) {
    ojson j = ojson::parse(sensor_demo_json());
    edit(j);
    try {
        (void)Project::parse(j.dump(2), "sensor_demo.json");
    } catch (const ProjectError& e) {
        EXPECT_EQ(e.source(), "sensor_demo.json");
        EXPECT_TRUE(std::string_view(e.what()).starts_with("sensor_demo.json: ")) << e.what();
        return e;
    }
    ADD_FAILURE() << "accepted: " << j.dump();
    return ProjectError("", "", "");
}

ProjectError error_of_text(std::string_view text) {
    try {
        (void)Project::parse(text, "t.json");
    } catch (const ProjectError& e) {
        EXPECT_TRUE(std::string_view(e.what()).starts_with("t.json: ")) << e.what();
        return e;
    }
    ADD_FAILURE() << "accepted: " << text;
    return ProjectError("", "", "");
}

TEST(TapProject, TheExampleError) {
    const ProjectError e = error_after([](ojson& j) { j["variables"][3]["type"] = "flot32"; });
    EXPECT_STREQ(e.what(),
                 "sensor_demo.json: /variables/3/type: \"flot32\" is not a type (int8, uint8, int16, uint16, "
                 "int32, uint32, float32, float64)");
    EXPECT_EQ(e.pointer(), "/variables/3/type");
}

struct BadEdit {
    const char* what;
    std::function<void(ojson&)> edit;
    const char* pointer;
    const char* message_part;
};

TEST(TapProject, BadFilesNameThePointer) {
    const BadEdit cases[] = {
        {"duplicate variable id", [](ojson& j) { j["variables"][1]["id"] = 1; }, "/variables/1/id",
         "already used by /variables/0"},
        {"duplicate variable name", [](ojson& j) { j["variables"][1]["name"] = "Count"; },
         "/variables/1/name", "already the name of /variables/0"},
        {"overlapping variables", [](ojson& j) { j["variables"][2]["address"] = "0x20000008"; },
         "/variables/2/address", "overlaps \"LEDStatus\""},
        {"overlap inside an int32", [](ojson& j) { j["variables"][1]["address"] = "0x20000002"; },
         "/variables/1/address", "overlaps \"Count\""},
        {"bad hex address", [](ojson& j) { j["variables"][0]["address"] = "0xZZ"; }, "/variables/0/address",
         "is not an address"},
        {"address too long", [](ojson& j) { j["variables"][0]["address"] = "0x120000000"; },
         "/variables/0/address", "is not an address"},
        {"negative address", [](ojson& j) { j["variables"][0]["address"] = -1; }, "/variables/0/address",
         "must be an integer from 0 to 4294967295"},
        {"address past the end", [](ojson& j) { j["variables"][0]["address"] = "0xFFFFFFFE"; },
         "/variables/0/address", "past the end"},
        {"count 0", [](ojson& j) { j["variables"][0]["count"] = 0; }, "/variables/0/count", "from 1 to 1024"},
        {"too many bytes",
         [](ojson& j) {
             j["variables"][5]["type"] = "float64";
             j["variables"][5]["count"] = 1000;
             j["variables"][5]["render"] = "chart";
         },
         "/variables/5/count", "exceed 4096 bytes"},
        {"bad access", [](ojson& j) { j["variables"][0]["access"] = "w"; }, "/variables/0/access",
         "is not an access"},
        {"bad render", [](ojson& j) { j["variables"][0]["render"] = "dial"; }, "/variables/0/render",
         "\"dial\" is not a rendering"},
        {"max below min", [](ojson& j) { j["variables"][3]["min"] = 70000; }, "/variables/3/max",
         "below min 70000"},
        {"max outside uint8", [](ojson& j) { j["variables"][1]["max"] = 300; }, "/variables/1/max",
         "300 is outside the range of uint8 (0 to 255)"},
        {"min not a number", [](ojson& j) { j["variables"][5]["min"] = "low"; }, "/variables/5/min",
         "must be a number"},
        {"step 0", [](ojson& j) { j["variables"][3]["step"] = 0; }, "/variables/3/step", "above 0"},
        {"duplicate choice value", [](ojson& j) { j["variables"][2]["choices"][1]["value"] = 0; },
         "/variables/2/choices/1/value", "listed twice"},
        {"duplicate choice label", [](ojson& j) { j["variables"][2]["choices"][2]["label"] = "on"; },
         "/variables/2/choices/2/label", "listed twice"},
        {"fractional choice", [](ojson& j) { j["variables"][2]["choices"][1]["value"] = 1.5; },
         "/variables/2/choices/1/value", "not an integer"},
        {"choice out of range", [](ojson& j) { j["variables"][2]["choices"][1]["value"] = 256; },
         "/variables/2/choices/1/value", "outside the range of uint8"},
        {"empty label", [](ojson& j) { j["variables"][2]["choices"][1]["label"] = ""; },
         "/variables/2/choices/1/label", "must not be empty"},
        {"select without choices", [](ojson& j) { j["variables"][2].erase("choices"); }, "/variables/2",
         "a select needs \"choices\""},
        {"switch of two", [](ojson& j) { j["variables"][1]["count"] = 2; }, "/variables/1/render",
         "a switch shows one value"},
        {"unknown variable key", [](ojson& j) { j["variables"][0]["colour"] = "red"; }, "/variables/0/colour",
         "unknown key"},
        {"missing type", [](ojson& j) { j["variables"][0].erase("type"); }, "/variables/0",
         "missing \"type\""},
        {"id 65535", [](ojson& j) { j["variables"][0]["id"] = 65535; }, "/variables/0/id", "from 0 to 65534"},
        {"id as text", [](ojson& j) { j["variables"][0]["id"] = "1"; }, "/variables/0/id",
         "must be an integer from 0 to 65534, not \"1\""},
        {"id fractional", [](ojson& j) { j["variables"][0]["id"] = 1.5; }, "/variables/0/id", "not 1.5"},
        {"name with a space", [](ojson& j) { j["variables"][0]["name"] = "my count"; }, "/variables/0/name",
         "is not a name"},
        {"variable not an object", [](ojson& j) { j["variables"][4] = 5; }, "/variables/4",
         "must be an object, not 5"},
        {"variables not an array", [](ojson& j) { j["variables"] = ojson::object(); }, "/variables",
         "must be an array"},
        {"no variables", [](ojson& j) { j.erase("variables"); }, "", "missing \"variables\""},
        {"unknown bundle variable", [](ojson& j) { j["bundles"][0]["variables"][1] = "Nope"; },
         "/bundles/0/variables/1", "no variable is named \"Nope\""},
        {"unknown bundle variable id", [](ojson& j) { j["bundles"][0]["variables"][1] = 99; },
         "/bundles/0/variables/1", "no variable has id 99"},
        {"bundle variable of another kind", [](ojson& j) { j["bundles"][0]["variables"][1] = true; },
         "/bundles/0/variables/1", "must be a variable name or id"},
        {"empty bundle", [](ojson& j) { j["bundles"][0]["variables"] = ojson::array(); },
         "/bundles/0/variables", "at least one variable"},
        {"variable twice in a bundle", [](ojson& j) { j["bundles"][0]["variables"][1] = "Count"; },
         "/bundles/0/variables/1", "listed twice"},
        {"monitoring too fast", [](ojson& j) { j["bundles"][1]["monitoring_period_ms"] = 5; },
         "/bundles/1/monitoring_period_ms", "0 (off) or from 10 to 86400000"},
        {"monitoring too slow", [](ojson& j) { j["bundles"][1]["monitoring_period_ms"] = 86400001; },
         "/bundles/1/monitoring_period_ms", "0 (off) or from 10"},
        {"datalog too fast", [](ojson& j) { j["bundles"][1]["datalog_period_ms"] = 500; },
         "/bundles/1/datalog_period_ms", "from 1000"},
        {"unknown profile", [](ojson& j) { j["bundles"][0]["rights"][0]["profile"] = "root"; },
         "/bundles/0/rights/0/profile", "no profile is named \"root\""},
        {"unknown profile id", [](ojson& j) { j["bundles"][0]["rights"][0]["profile"] = 7; },
         "/bundles/0/rights/0/profile", "no profile has id 7"},
        {"rights twice", [](ojson& j) { j["bundles"][0]["rights"][1]["profile"] = "anonymous"; },
         "/bundles/0/rights/1/profile", "given twice"},
        {"read as text", [](ojson& j) { j["bundles"][0]["rights"][0]["read"] = "yes"; },
         "/bundles/0/rights/0/read", "must be true or false"},
        {"right granting nothing",
         [](ojson& j) {
             j["bundles"][0]["rights"][0] = ojson{{"profile", "anonymous"}};
         },
         "/bundles/0/rights/0", "grants neither"},
        {"duplicate bundle id", [](ojson& j) { j["bundles"][2]["id"] = 1; }, "/bundles/2/id",
         "already used by /bundles/0"},
        {"duplicate bundle name", [](ojson& j) { j["bundles"][2]["name"] = "Sensors"; }, "/bundles/2/name",
         "already the name of /bundles/1"},
        {"unknown bundle key", [](ojson& j) { j["bundles"][2]["period"] = 5; }, "/bundles/2/period",
         "unknown key"},
        {"bad hash", [](ojson& j) { j["profiles"][1]["password_hash"] = "XYZ"; }, "/profiles/1/password_hash",
         "32 hexadecimal digits"},
        {"short hash", [](ojson& j) { j["profiles"][1]["password_hash"] = "0155AFFC"; },
         "/profiles/1/password_hash", "32 hexadecimal digits"},
        {"anonymous with a password", [](ojson& j) { j["profiles"][0]["password"] = "x"; },
         "/profiles/0/password", "has no password"},
        {"admin without a password", [](ojson& j) { j["profiles"][2].erase("password_hash"); }, "/profiles/2",
         "missing \"password_hash\""},
        {"both password forms", [](ojson& j) { j["profiles"][1]["password"] = "x"; }, "/profiles/1",
         "both \"password\" and \"password_hash\""},
        {"empty password",
         [](ojson& j) {
             j["profiles"][1].erase("password_hash");
             j["profiles"][1]["password"] = "";
         },
         "/profiles/1/password", "must not be empty"},
        {"user name over 16 bytes", [](ojson& j) { j["profiles"][1]["name"] = "supervisor_longer"; },
         "/profiles/1/name", "1 to 16"},
        {"duplicate profile id", [](ojson& j) { j["profiles"][2]["id"] = 65534; }, "/profiles/2/id",
         "already used by /profiles/1"},
        {"duplicate profile name", [](ojson& j) { j["profiles"][2]["name"] = "supervisor"; },
         "/profiles/2/name", "already the name"},
        {"lifetime 0", [](ojson& j) { j["profiles"][1]["lifetime_s"] = 0; }, "/profiles/1/lifetime_s",
         "from 1 to 86400"},
        {"profile id 65536", [](ojson& j) { j["profiles"][1]["id"] = 65536; }, "/profiles/1/id",
         "from 0 to 65535"},
        {"alarm on an unknown variable", [](ojson& j) { j["alarms"][0]["variable"] = "Nope"; },
         "/alarms/0/variable", "no variable is named"},
        {"alarm kind", [](ojson& j) { j["alarms"][0]["kind"] = "over"; }, "/alarms/0/kind",
         "\"over\" is not an alarm kind"},
        {"alarm without threshold", [](ojson& j) { j["alarms"][0].erase("threshold"); }, "/alarms/0",
         "missing \"threshold\""},
        {"negative hysteresis", [](ojson& j) { j["alarms"][0]["hysteresis"] = -1; }, "/alarms/0/hysteresis",
         "0 or more"},
        {"change with hysteresis", [](ojson& j) { j["alarms"][2]["hysteresis"] = 1; }, "/alarms/2/hysteresis",
         "no hysteresis"},
        {"duplicate alarm id", [](ojson& j) { j["alarms"][1]["id"] = 1; }, "/alarms/1/id", "already used"},
        {"duplicate alarm name", [](ojson& j) { j["alarms"][1]["name"] = "Temperature_high"; },
         "/alarms/1/name", "already the name"},
        {"alarm on an array",
         [](ojson& j) {
             j["variables"][5]["count"] = 2;
             j["variables"][5]["render"] = "chart";
         },
         "/alarms/1/variable", "alarms watch single values"},
        {"port 0", [](ojson& j) { j["relay"]["port"] = 0; }, "/relay/port", "from 1 to 65535"},
        {"port 70000", [](ojson& j) { j["relay"]["port"] = 70000; }, "/relay/port", "from 1 to 65535"},
        {"wildcard prefix", [](ojson& j) { j["relay"]["topic_prefix"] = "IOTIZE_DEV/#"; },
         "/relay/topic_prefix", "not a topic prefix"},
        {"prefix ending in /", [](ojson& j) { j["relay"]["topic_prefix"] = "a/"; }, "/relay/topic_prefix",
         "not a topic prefix"},
        {"empty host", [](ojson& j) { j["relay"]["host"] = ""; }, "/relay/host", "not a host"},
        {"empty client id", [](ojson& j) { j["relay"]["client_id"] = ""; }, "/relay/client_id",
         "not be empty"},
        {"netkey a number", [](ojson& j) { j["relay"]["netkey"] = 5; }, "/relay/netkey", "must be a string"},
        {"unknown relay key", [](ojson& j) { j["relay"]["tls"] = true; }, "/relay/tls", "unknown key"},
        {"empty application name", [](ojson& j) { j["application"]["name"] = ""; }, "/application/name",
         "1 to 255 bytes"},
        {"no application", [](ojson& j) { j.erase("application"); }, "", "missing \"application\""},
        {"negative config version", [](ojson& j) { j["application"]["config_version"] = -1; },
         "/application/config_version", "from 0 to 4294967295"},
        {"misspelt top-level key", [](ojson& j) { j["variabels"] = ojson::array(); }, "/variabels",
         "unknown key (expected application, variables, bundles, profiles, alarms, relay)"},
        {"key with a slash", [](ojson& j) { j["a/b~c"] = 1; }, "/a~1b~0c", "unknown key"},
        {"not an object", [](ojson& j) { j = ojson::array(); }, "", "a project must be a JSON object"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        const ProjectError e = error_after(c.edit);
        EXPECT_EQ(e.pointer(), c.pointer) << e.what();
        EXPECT_NE(e.message().find(c.message_part), std::string::npos) << e.what();
        if (*c.pointer) {
            EXPECT_NE(std::string_view(e.what()).find(std::string(": ") + c.pointer + ": "),
                      std::string::npos);
        }
    }
}

TEST(TapProject, RelaySettingsAlone) {
    RelaySettings r;
    EXPECT_EQ(check_relay_settings(r), std::nullopt);
    r.netkey = "k";
    r.port = 8883;
    EXPECT_EQ(parse_relay_settings(relay_settings_to_json(r), "relay.json"), r);
    EXPECT_EQ(parse_relay_settings("{}", "relay.json"), RelaySettings{});
    EXPECT_EQ(parse_relay_settings(R"({"port": 9001})", "relay.json").port, 9001);

    auto problem = [](auto edit) {
        RelaySettings s;
        edit(s);
        const auto p = check_relay_settings(s);
        return p ? p->key + ": " + p->message : std::string("ok");
    };
    EXPECT_EQ(
        problem([](RelaySettings& s) { s.host = ""; }),
        "host: \"\" is not a host name or address (1 to 255 bytes, no spaces, '/' or control characters)");
    EXPECT_EQ(problem([](RelaySettings& s) { s.host = "a b"; }).substr(0, 6), "host: ");
    EXPECT_EQ(problem([](RelaySettings& s) { s.host = "a\x01"; }).substr(0, 6), "host: ");
    EXPECT_EQ(problem([](RelaySettings& s) { s.host = std::string(256, 'h'); }).substr(0, 6), "host: ");
    EXPECT_EQ(problem([](RelaySettings& s) { s.host = std::string(255, 'h'); }), "ok");
    EXPECT_EQ(problem([](RelaySettings& s) { s.host = "broker.example.com"; }), "ok");
    EXPECT_EQ(problem([](RelaySettings& s) { s.port = 0; }),
              "port: must be an integer from 1 to 65535, not 0");
    EXPECT_EQ(problem([](RelaySettings& s) { s.client_id = ""; }).substr(0, 11), "client_id: ");
    EXPECT_EQ(problem([](RelaySettings& s) { s.password = std::string("a\0b", 3); }),
              "password: contains NUL");
    EXPECT_EQ(problem([](RelaySettings& s) { s.netkey = std::string(65536, 'k'); }),
              "netkey: longer than 65535 bytes");
    EXPECT_EQ(problem([](RelaySettings& s) { s.topic_prefix = "a/+/b"; }).substr(0, 14), "topic_prefix: ");
    EXPECT_EQ(problem([](RelaySettings& s) { s.topic_prefix = "/a"; }).substr(0, 14), "topic_prefix: ");

    try {
        (void)parse_relay_settings(R"({"port": 0})", "relay.json");
        ADD_FAILURE();
    } catch (const ProjectError& e) {
        EXPECT_STREQ(e.what(), "relay.json: /port: must be an integer from 1 to 65535, not 0");
    }
    try {
        (void)parse_relay_settings(R"({"topic_prefix": "x/#"})", "relay.json");
        ADD_FAILURE();
    } catch (const ProjectError& e) {
        EXPECT_EQ(e.pointer(), "/topic_prefix");
    }
    EXPECT_THROW((void)parse_relay_settings("[]", "relay.json"), ProjectError);
    EXPECT_THROW((void)parse_relay_settings("{\"hots\": \"a\"}", "relay.json"), ProjectError);
}

TEST(TapProject, BadJsonText) {
    EXPECT_NE(error_of_text("").message().find("parse error"), std::string::npos);
    const ProjectError open = error_of_text("{\n  \"application\": {\n");
    EXPECT_NE(open.message().find("line 3"), std::string::npos) << open.what();
    EXPECT_EQ(open.pointer(), "");
    error_of_text("{\"application\": 1,}");
    const ProjectError utf8 = error_of_text("{\"application\": \"\xff\"}");  // not UTF-8
    for (char c : std::string(utf8.what()))
        EXPECT_LT(static_cast<unsigned char>(c), 0x80);  // printable
    error_of_text("{\"v\": 1e999}");

    const ProjectError dup =
        error_of_text(R"({"application": {"name": "a", "name": "b", "config_version": 1}, "variables": []})");
    EXPECT_EQ(dup.pointer(), "/application/name");
    EXPECT_EQ(dup.message(), "duplicate key");
    const ProjectError dup_in_array = error_of_text(
        R"({"application": {"name": "a", "config_version": 1}, "variables": [{"id": 1}, [], {"id": 2, "id": 3}]})");
    EXPECT_EQ(dup_in_array.pointer(), "/variables/2/id");

    const ProjectError deep = error_of_text(std::string(100000, '[') + std::string(100000, ']'));
    EXPECT_NE(deep.message().find("nested deeper than"), std::string::npos);
    std::string sixteen;
    for (int i = 0; i < 16; ++i)
        sixteen += "/0";
    EXPECT_EQ(deep.pointer(), sixteen);
}

}  // namespace
}  // namespace tapmq::tap
