// The MQTT relay settings a Tap runs with (/1024//50..55, 58): the project's `relay` section, with
// the fields an admin wrote by PUT over it, kept in the state directory (a JSON object holding only
// the written fields, replaced atomically) so that they survive restarts and configuration uploads.
//
// Wire forms (our decision): every field is its raw UTF-8 bytes, except the port, a big-endian u16.
// A written value must be valid UTF-8 and pass the checks of a project's "relay" section
// (tap::check_relay_settings: host 1-255 bytes without spaces, '/' or control characters; port not 0; client
// id not empty; texts at most 65535 bytes without NUL; topic prefix not empty, no '+' or '#', no '/' at
// either end). An empty netkey means no sealing. Values may hold "{serial}", replaced by the serial number
// when the settings are used (client id, username, password, topic prefix).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/state_dir.hpp"
#include "tap/project.hpp"

namespace tapmq::relay {

enum class RelayField : std::uint16_t {
    Host = 50,
    Port = 51,
    ClientId = 52,
    Username = 53,
    Password = 54,
    Netkey = 55,
    TopicPrefix = 58,
};

// The field a /1024 resource number names, or nullopt.
std::optional<RelayField> relay_field(std::uint16_t resource) noexcept;
std::string_view name(RelayField f) noexcept;  // the project file's key: "host", "topic_prefix", ...
// Readable only by admin (password, netkey).
bool is_secret(RelayField f) noexcept;

class RelaySettingsStore {
  public:
    // Reads `file` from `dir` when present. A file that cannot be used is ignored (warning() says why).
    RelaySettingsStore(StateDir dir, std::string file);

    // `base` (a project's relay section) with the written fields over it; {serial} not replaced.
    tap::RelaySettings apply(const tap::RelaySettings& base) const;
    // The wire form of a field of `settings`.
    static std::string encode(const tap::RelaySettings& settings, RelayField f);
    // Checks a PUT payload against the settings in force: nullopt when valid, else what is wrong.
    static std::optional<std::string> check(RelayField f, std::string_view payload,
                                            const tap::RelaySettings& current);
    // Writes a checked value and saves the file (StateError on failure: nothing changed).
    void set(RelayField f, std::string_view payload);

    const std::string& warning() const noexcept { return warning_; }

  private:
    StateDir dir_;
    std::string file_;
    tap::RelaySettings overrides_;
    std::uint8_t written_ = 0;  // bit per field, in RelayField order
    std::string warning_;
};

}  // namespace tapmq::relay
