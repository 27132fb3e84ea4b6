// The project file: what a Tap serves (application, variables, bundles, profiles, alarms, relay
// settings), read from JSON and written back (for `config pull`). Parsing either gives a complete,
// validated, immutable Project or throws ProjectError naming the file, the JSON pointer and what is
// wrong, e.g.
//   sensor_demo.json: /variables/3/type: "flot32" is not a type (int8, uint8, int16, uint16, int32, uint32,
//   float32, float64)
// The format is described in README.md ("Project file"); projects/sensor_demo.json is an example.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "password_hash.hpp"

namespace tapmq::tap {

enum class ValueType : std::uint8_t { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 };

std::string_view name(ValueType type) noexcept;  // "int8", ..., "float64"
std::size_t size_of(ValueType type) noexcept;    // bytes of one element
// The lowest and highest value of one element (float32: its largest finite magnitude).
std::pair<double, double> value_range(ValueType type) noexcept;
std::optional<ValueType> value_type_from_name(std::string_view text) noexcept;
bool is_integer(ValueType type) noexcept;

// How a control centre shows a variable; a hint, nothing more.
enum class Render : std::uint8_t { Number, Gauge, Chart, Switch, Select, Slider, Text };

std::string_view name(Render render) noexcept;  // "number", "gauge", ...
std::optional<Render> render_from_name(std::string_view text) noexcept;

struct Choice {
    double value = 0;
    std::string label;

    bool operator==(const Choice&) const = default;
};

struct Variable {
    std::uint16_t id = 0;  // the instance in /1029/{id}/4: 0..65534
    std::string name;
    std::uint32_t address = 0;
    ValueType type = ValueType::UInt8;
    std::uint16_t count = 1;  // elements
    bool writable = false;    // "access": "rw" (else "ro"); a PUT on a read-only variable is 0x85
    std::string unit;
    Render render = Render::Number;
    std::optional<double> min;  // enforced on writes (encode_value), a display range otherwise
    std::optional<double> max;
    std::optional<double> step;
    std::string on_text;  // labels of 1 and 0 for a switch; empty: "on" / "off"
    std::string off_text;
    std::vector<Choice> choices;  // value -> label; when present, a write must be one of them

    std::size_t size() const noexcept { return size_of(type) * count; }  // bytes on the wire
    bool operator==(const Variable&) const = default;
};

struct BundleRight {
    std::uint16_t profile_id = 0;
    bool read = false;
    bool write = false;

    bool operator==(const BundleRight&) const = default;
};

struct Bundle {
    std::uint16_t id = 0;  // the instance in /1028/{id}/1: 0..65534
    std::string name;
    std::vector<std::uint16_t> variable_ids;  // in the order /1028/{id}/1 concatenates them
    std::uint32_t monitoring_period_ms = 0;   // 0: not monitored
    std::uint32_t datalog_period_ms = 0;      // 0: not logged
    std::vector<BundleRight> rights;          // per profile; admin (65535) needs none

    bool operator==(const Bundle&) const = default;
};

inline constexpr std::uint16_t kAnonymousProfile = 0;
inline constexpr std::uint16_t kSupervisorProfile = 65534;
inline constexpr std::uint16_t kAdminProfile = 65535;

struct Profile {
    std::uint16_t id = 0;
    std::string name;                           // the login user name: 1..16 bytes
    std::optional<PasswordHash> password_hash;  // absent only for anonymous (0), who never logs in
    std::uint32_t lifetime_s = 300;             // a login lasts this long since the last request

    bool operator==(const Profile&) const = default;
};

enum class AlarmKind : std::uint8_t { Above, Below, Change };

std::string_view name(AlarmKind kind) noexcept;  // "above", "below", "change"

// Above: raised when the value goes above threshold, cleared when it falls below threshold -
// hysteresis (Below mirrors it). Change: raised when the value moves by more than threshold (0: any
// change) from the last value reported; hysteresis is 0. Alarms watch single-element variables.
struct AlarmRule {
    std::uint16_t id = 0;
    std::string name;
    std::uint16_t variable_id = 0;
    AlarmKind kind = AlarmKind::Above;
    double threshold = 0;
    double hysteresis = 0;

    bool operator==(const AlarmRule&) const = default;
};

struct RelaySettings {
    std::string host = "127.0.0.1";  // the MQTT broker
    std::uint16_t port = 1883;
    std::string client_id = "{serial}";
    std::string username = "{serial}";
    std::string password;
    std::string netkey;  // empty: frames are not sealed
    std::string topic_prefix = "IOTIZE_DEV/{serial}_DEV";

    bool operator==(const RelaySettings&) const = default;
};

// Replaces every "{serial}" in a relay setting (client_id, username, password, topic_prefix).
std::string expand_serial(std::string_view text, std::string_view serial);

// What is wrong with relay settings: the key at fault and why, e.g. {"port", "must be an integer from
// 1 to 65535, not 0"}. The checks of a project's "relay" section, for settings changed one by one
// (PUT /1024//50..58): host 1-255 bytes without spaces, '/' or control characters; port not 0;
// client_id not empty;
// texts at most 65535 bytes without NUL; topic_prefix not empty, without '+' or '#', no '/' at either end.
struct SettingProblem {
    std::string key;
    std::string message;
};
std::optional<SettingProblem> check_relay_settings(const RelaySettings& settings);

// The relay section alone as a JSON file (e.g. the relay's saved settings): the same keys, defaults
// and checks as a project's "relay"; errors are ProjectErrors naming `source` and the pointer ("/port").
RelaySettings parse_relay_settings(std::string_view text, std::string_view source);
std::string relay_settings_to_json(const RelaySettings& settings);

struct Application {
    std::string name;                  // /1024//9
    std::uint32_t config_version = 0;  // /1024//10
    std::string description;

    bool operator==(const Application&) const = default;
};

class ProjectError : public std::runtime_error {
  public:
    // what() = "<source>: <pointer>: <message>" (the pointer left out when empty).
    ProjectError(std::string source, std::string pointer, std::string message);
    const std::string& source() const noexcept { return source_; }
    const std::string& pointer() const noexcept { return pointer_; }  // JSON pointer, "" for the whole file
    const std::string& message() const noexcept { return message_; }

  private:
    std::string source_;
    std::string pointer_;
    std::string message_;
};

class Project {
  public:
    // `source` names the text in errors (a file name). Throws ProjectError, nothing else for bad input.
    static Project parse(std::string_view text, std::string_view source);

    // The JSON form, two-space indented, ending with a newline; parse(to_json()) gives back an equal
    // Project. Passwords appear only as password_hash.
    std::string to_json() const;

    const Application& application() const noexcept { return application_; }
    const std::vector<Variable>& variables() const noexcept { return variables_; }
    const std::vector<Bundle>& bundles() const noexcept { return bundles_; }
    const std::vector<Profile>& profiles() const noexcept { return profiles_; }
    const std::vector<AlarmRule>& alarms() const noexcept { return alarms_; }
    const RelaySettings& relay() const noexcept { return relay_; }

    // nullptr when there is none.
    const Variable* variable(std::uint16_t id) const noexcept;
    const Variable* variable(std::string_view name) const noexcept;
    const Bundle* bundle(std::uint16_t id) const noexcept;
    const Bundle* bundle(std::string_view name) const noexcept;
    const Profile* profile(std::uint16_t id) const noexcept;
    const Profile* profile(std::string_view name) const noexcept;
    const AlarmRule* alarm(std::uint16_t id) const noexcept;

    // Rights (tap-protocol.md §2, §3): a profile may read (write) a variable when a bundle holding
    // it grants read (write) to the profile; admin (65535) may do everything. Rights only: whether a
    // variable can be written at all is Variable::writable, checked first (0x85).
    bool can_read(std::uint16_t profile_id, std::uint16_t variable_id) const noexcept;
    bool can_write(std::uint16_t profile_id, std::uint16_t variable_id) const noexcept;
    bool can_read_bundle(std::uint16_t profile_id, std::uint16_t bundle_id) const noexcept;
    bool can_write_bundle(std::uint16_t profile_id, std::uint16_t bundle_id) const noexcept;
    // The variables a profile may read, in the file's order (/1029//4).
    std::vector<std::uint16_t> readable_variables(std::uint16_t profile_id) const;

    bool operator==(const Project&) const = default;

  private:
    Project() = default;
    friend class ProjectParser;

    Application application_;
    std::vector<Variable> variables_;
    std::vector<Bundle> bundles_;
    std::vector<Profile> profiles_;
    std::vector<AlarmRule> alarms_;
    RelaySettings relay_;
};

}  // namespace tapmq::tap
