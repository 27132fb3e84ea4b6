// RelaySettingsStore: the relay settings written by PUT /1024//50..58, validated and persisted.
#include "relay_settings.hpp"

#include <array>
#include <nlohmann/json.hpp>

namespace tapmq::relay {

namespace {

constexpr std::array kFields{RelayField::Host,       RelayField::Port,     RelayField::ClientId,
                             RelayField::Username,   RelayField::Password, RelayField::Netkey,
                             RelayField::TopicPrefix};

std::uint8_t bit(RelayField f) {
    for (std::size_t i = 0; i < kFields.size(); ++i)
        if (kFields[i] == f) return static_cast<std::uint8_t>(1u << i);
    return 0;
}

// The string member of `r` a field names (nullptr for the port).
template <class Settings>
auto field(Settings& r, RelayField f) -> decltype(&r.host) {
    switch (f) {
        case RelayField::Host:
            return &r.host;
        case RelayField::ClientId:
            return &r.client_id;
        case RelayField::Username:
            return &r.username;
        case RelayField::Password:
            return &r.password;
        case RelayField::Netkey:
            return &r.netkey;
        case RelayField::TopicPrefix:
            return &r.topic_prefix;
        case RelayField::Port:
            break;
    }
    return nullptr;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) without NUL.
bool valid_utf8(std::string_view s) {
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        std::size_t n = 0;  // continuation bytes
        if (c >= 0x80) {
            if ((c >> 5) == 6) {
                n = 1;
            } else if ((c >> 4) == 14) {
                n = 2;
            } else if ((c >> 3) == 30) {
                n = 3;
            } else {
                return false;
            }
        }
        if (s.size() - i <= n) return false;
        std::uint32_t cp = n == 0 ? c : c & (0x3Fu >> n);
        for (std::size_t k = 1; k <= n; ++k) {
            auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3Fu);
        }
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

}  // namespace

std::optional<RelayField> relay_field(std::uint16_t resource) noexcept {
    for (auto f : kFields)
        if (static_cast<std::uint16_t>(f) == resource) return f;
    return std::nullopt;
}

std::string_view name(RelayField f) noexcept {
    switch (f) {
        case RelayField::Host:
            return "host";
        case RelayField::Port:
            return "port";
        case RelayField::ClientId:
            return "client_id";
        case RelayField::Username:
            return "username";
        case RelayField::Password:
            return "password";
        case RelayField::Netkey:
            return "netkey";
        case RelayField::TopicPrefix:
            return "topic_prefix";
    }
    return "?";
}

bool is_secret(RelayField f) noexcept {
    return f == RelayField::Password || f == RelayField::Netkey;
}

RelaySettingsStore::RelaySettingsStore(StateDir dir, std::string file)
    : dir_(std::move(dir)), file_(std::move(file)) {
    auto text = dir_.read_text(file_);
    if (!text) return;
    try {
        // The library checks the file (keys, types, values); the keys present are the fields written.
        const tap::RelaySettings parsed = tap::parse_relay_settings(*text, dir_.file(file_).string());
        const auto present = nlohmann::json::parse(*text);
        for (auto f : kFields) {
            if (!present.contains(std::string(name(f)))) continue;
            if (f == RelayField::Port) {
                overrides_.port = parsed.port;
            } else {
                *field(overrides_, f) = *field(parsed, f);
            }
            written_ |= bit(f);
        }
    } catch (const std::exception& e) {
        overrides_ = {};
        written_ = 0;
        warning_ = std::string(e.what()) + " (the project's relay settings apply)";
    }
}

tap::RelaySettings RelaySettingsStore::apply(const tap::RelaySettings& base) const {
    tap::RelaySettings r = base;
    for (auto f : kFields) {
        if (!(written_ & bit(f))) continue;
        if (f == RelayField::Port) {
            r.port = overrides_.port;
        } else {
            *field(r, f) = *field(overrides_, f);
        }
    }
    return r;
}

std::string RelaySettingsStore::encode(const tap::RelaySettings& settings, RelayField f) {
    if (f == RelayField::Port)
        return {static_cast<char>(settings.port >> 8), static_cast<char>(settings.port & 0xFF)};
    return *field(settings, f);
}

std::optional<std::string> RelaySettingsStore::check(RelayField f, std::string_view v,
                                                     const tap::RelaySettings& current) {
    tap::RelaySettings next = current;
    if (f == RelayField::Port) {
        if (v.size() != 2)
            return "the port is a big-endian u16 (2 bytes), " + std::to_string(v.size()) + " given";
        next.port = static_cast<std::uint16_t>((static_cast<unsigned char>(v[0]) << 8) |
                                               static_cast<unsigned char>(v[1]));
    } else {
        if (!valid_utf8(v)) return "not UTF-8 text without NUL";
        *field(next, f) = std::string(v);
    }
    if (auto problem = tap::check_relay_settings(next)) return problem->key + ": " + problem->message;
    return std::nullopt;
}

void RelaySettingsStore::set(RelayField f, std::string_view payload) {
    tap::RelaySettings next = overrides_;
    if (f == RelayField::Port) {
        next.port = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                               static_cast<unsigned char>(payload[1]));
    } else {
        *field(next, f) = std::string(payload);
    }
    const std::uint8_t written = written_ | bit(f);
    nlohmann::json j = nlohmann::json::object();
    for (auto g : kFields) {
        if (!(written & bit(g))) continue;
        if (g == RelayField::Port) {
            j["port"] = next.port;
        } else {
            j[std::string(name(g))] = *field(next, g);
        }
    }
    dir_.write_atomic(file_, j.dump(2) + "\n");
    overrides_ = std::move(next);
    written_ = written;
}

}  // namespace tapmq::relay
