// The project file: JSON parsing with full validation (every error names the file and the JSON
// pointer), serialisation back to JSON, lookups and rights.
#include "project.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>

#include "hex.hpp"

namespace tapmq::tap {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string_view name(ValueType type) noexcept {
    switch (type) {
        case ValueType::Int8:
            return "int8";
        case ValueType::UInt8:
            return "uint8";
        case ValueType::Int16:
            return "int16";
        case ValueType::UInt16:
            return "uint16";
        case ValueType::Int32:
            return "int32";
        case ValueType::UInt32:
            return "uint32";
        case ValueType::Float32:
            return "float32";
        case ValueType::Float64:
            return "float64";
    }
    return "unknown";
}

std::pair<double, double> value_range(ValueType t) noexcept {
    switch (t) {
        case ValueType::Int8:
            return {-128.0, 127.0};
        case ValueType::UInt8:
            return {0.0, 255.0};
        case ValueType::Int16:
            return {-32768.0, 32767.0};
        case ValueType::UInt16:
            return {0.0, 65535.0};
        case ValueType::Int32:
            return {-2147483648.0, 2147483647.0};
        case ValueType::UInt32:
            return {0.0, 4294967295.0};
        case ValueType::Float32:
            return {-static_cast<double>(std::numeric_limits<float>::max()),
                    static_cast<double>(std::numeric_limits<float>::max())};
        case ValueType::Float64:
            break;
    }
    return {-std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
}

std::size_t size_of(ValueType type) noexcept {
    switch (type) {
        case ValueType::Int8:
        case ValueType::UInt8:
            return 1;
        case ValueType::Int16:
        case ValueType::UInt16:
            return 2;
        case ValueType::Int32:
        case ValueType::UInt32:
        case ValueType::Float32:
            return 4;
        case ValueType::Float64:
            return 8;
    }
    return 0;
}

bool is_integer(ValueType type) noexcept {
    return type != ValueType::Float32 && type != ValueType::Float64;
}

std::optional<ValueType> value_type_from_name(std::string_view text) noexcept {
    for (auto t : {ValueType::Int8, ValueType::UInt8, ValueType::Int16, ValueType::UInt16, ValueType::Int32,
                   ValueType::UInt32, ValueType::Float32, ValueType::Float64}) {
        if (name(t) == text) return t;
    }
    return std::nullopt;
}

std::string_view name(Render render) noexcept {
    switch (render) {
        case Render::Number:
            return "number";
        case Render::Gauge:
            return "gauge";
        case Render::Chart:
            return "chart";
        case Render::Switch:
            return "switch";
        case Render::Select:
            return "select";
        case Render::Slider:
            return "slider";
        case Render::Text:
            return "text";
    }
    return "unknown";
}

std::optional<Render> render_from_name(std::string_view text) noexcept {
    for (auto r : {Render::Number, Render::Gauge, Render::Chart, Render::Switch, Render::Select,
                   Render::Slider, Render::Text}) {
        if (name(r) == text) return r;
    }
    return std::nullopt;
}

std::string_view name(AlarmKind kind) noexcept {
    switch (kind) {
        case AlarmKind::Above:
            return "above";
        case AlarmKind::Below:
            return "below";
        case AlarmKind::Change:
            return "change";
    }
    return "unknown";
}

std::string expand_serial(std::string_view text, std::string_view serial) {
    constexpr std::string_view kToken = "{serial}";
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const auto at = text.find(kToken, pos);
        out += text.substr(pos, at == std::string_view::npos ? std::string_view::npos : at - pos);
        if (at == std::string_view::npos) return out;
        out += serial;
        pos = at + kToken.size();
    }
}

namespace {

std::string join_what(const std::string& source, const std::string& pointer, const std::string& message) {
    return source + ": " + (pointer.empty() ? "" : pointer + ": ") + message;
}

}  // namespace

ProjectError::ProjectError(std::string source, std::string pointer, std::string message)
    : std::runtime_error(join_what(source, pointer, message)),
      source_(std::move(source)),
      pointer_(std::move(pointer)),
      message_(std::move(message)) {}

namespace {

constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxNameSize = 64;
constexpr std::size_t kMaxCount = 1024;
constexpr std::size_t kMaxVariableSize = 4096;
constexpr std::uint64_t kMaxPeriodMs = 86'400'000;
constexpr std::uint64_t kMinMonitoringMs = 10;
constexpr std::uint64_t kMinDatalogMs = 1000;
constexpr std::uint64_t kMaxLifetimeS = 86'400;

std::string escape_pointer(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string child(const std::string& ptr, std::string_view key) {
    return ptr + "/" + escape_pointer(key);
}
std::string child(const std::string& ptr, std::size_t index) {
    return ptr + "/" + std::to_string(index);
}

// A JSON value for an error message: scalars as they are (shortened), containers by kind.
std::string show(const json& v) {
    if (v.is_object()) return "an object";
    if (v.is_array()) return "an array";
    std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

std::string qstr(std::string_view s) {
    return show(json(std::string(s)));
}

std::string format_number(double v) {
    if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    return json(v).dump();
}

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > kMaxNameSize) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.';
    });
}

std::string hex32(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08llX", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

// Builds a Project from JSON text, or throws ProjectError at the first problem.
class ProjectParser {
  public:
    explicit ProjectParser(std::string_view source) : source_(source) {}

    Project parse(std::string_view text) {
        const json root = parse_json(text);
        if (!root.is_object()) fail("", "a project must be a JSON object, not " + show(root));
        check_keys(root, "", {"application", "variables", "bundles", "profiles", "alarms", "relay"});
        Project p;
        p.application_ = application(root);
        p.variables_ = variables(root);
        p.profiles_ = profiles(root);
        p.bundles_ = bundles(root, p);
        p.alarms_ = alarms(root, p);
        p.relay_ = relay(root);
        return p;
    }

  private:
    [[noreturn]] void fail(const std::string& ptr, const std::string& message) const {
        throw ProjectError(source_, ptr, message);
    }

    // ---- JSON text: syntax, duplicate keys, depth -------------------------------------------------

    json parse_json(std::string_view text) const {
        struct Level {
            bool array = false;
            std::size_t next_index = 0;
            std::string key;
            std::set<std::string> keys;
        };
        std::vector<Level> stack;
        auto pointer = [&stack] {
            std::string ptr;
            for (const auto& level : stack) {
                ptr = level.array ? child(ptr, level.next_index - 1) : child(ptr, level.key);
            }
            return ptr;
        };
        auto element = [&stack] {
            if (!stack.empty() && stack.back().array) ++stack.back().next_index;
        };
        json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
            switch (event) {
                case json::parse_event_t::object_start:
                case json::parse_event_t::array_start:
                    element();
                    if (static_cast<std::size_t>(depth) >= kMaxDepth) {
                        fail(pointer(), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
                    }
                    stack.push_back(Level{event == json::parse_event_t::array_start, 0, {}, {}});
                    break;
                case json::parse_event_t::key: {
                    auto& level = stack.back();
                    level.key = parsed.get<std::string>();
                    if (!level.keys.insert(level.key).second) fail(pointer(), "duplicate key");
                    break;
                }
                case json::parse_event_t::value:
                    element();
                    break;
                case json::parse_event_t::object_end:
                case json::parse_event_t::array_end:
                    stack.pop_back();
                    break;
            }
            return true;
        };
        try {
            return json::parse(text.begin(), text.end(), cb);
        } catch (const json::exception& e) {
            std::string what = e.what();
            // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the tag.
            if (const auto close = what.find("] ");
                what.starts_with("[json.exception.") && close != std::string::npos) {
                what = what.substr(close + 2);
            }
            // nlohmann quotes the bytes it read last, which may be anything: keep the message printable.
            for (char& c : what) {
                if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
            }
            fail("", what);
        }
    }

    // ---- Field access ----------------------------------------------------------------------------------

    void check_keys(const json& obj, const std::string& ptr,
                    std::initializer_list<std::string_view> allowed) const {
        for (const auto& [key, value] : obj.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string list;
            for (auto a : allowed)
                list += (list.empty() ? "" : ", ") + std::string(a);
            fail(child(ptr, key), "unknown key (expected " + list + ")");
        }
    }

    const json& object_at(const json& v, const std::string& ptr) const {
        if (!v.is_object()) fail(ptr, "must be an object, not " + show(v));
        return v;
    }

    const json* find(const json& obj, std::string_view key) const {
        const auto it = obj.find(std::string(key));
        return it == obj.end() ? nullptr : &*it;
    }

    const json& required(const json& obj, const std::string& ptr, std::string_view key) const {
        const json* v = find(obj, key);
        if (!v) fail(ptr, "missing \"" + std::string(key) + "\"");
        return *v;
    }

    std::string string_value(const json& v, const std::string& ptr) const {
        if (!v.is_string()) fail(ptr, "must be a string, not " + show(v));
        return v.get<std::string>();
    }

    std::string string_field(const json& obj, const std::string& ptr, std::string_view key,
                             std::optional<std::string> fallback = std::nullopt) const {
        const json* v = find(obj, key);
        if (!v) {
            if (!fallback) fail(ptr, "missing \"" + std::string(key) + "\"");
            return *fallback;
        }
        return string_value(*v, child(ptr, key));
    }

    std::string name_field(const json& obj, const std::string& ptr, std::string_view key,
                           std::size_t max_size = kMaxNameSize) const {
        std::string s = string_field(obj, ptr, key);
        if (!valid_name(s) || s.size() > max_size) {
            fail(child(ptr, key), qstr(s) + " is not a name (1 to " + std::to_string(max_size) +
                                      " letters, digits, '_', '-' or '.')");
        }
        return s;
    }

    std::uint64_t uint_value(const json& v, const std::string& ptr, std::uint64_t lo,
                             std::uint64_t hi) const {
        bool ok = false;
        std::uint64_t u = 0;
        if (v.is_number_unsigned()) {
            u = v.get<std::uint64_t>();
            ok = true;
        } else if (v.is_number_integer()) {
            const auto i = v.get<std::int64_t>();
            ok = i >= 0;
            u = static_cast<std::uint64_t>(i);
        }
        if (!ok || u < lo || u > hi) {
            fail(ptr, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                          ", not " + show(v));
        }
        return u;
    }

    std::uint64_t uint_field(const json& obj, const std::string& ptr, std::string_view key, std::uint64_t lo,
                             std::uint64_t hi, std::optional<std::uint64_t> fallback = std::nullopt) const {
        const json* v = find(obj, key);
        if (!v) {
            if (!fallback) fail(ptr, "missing \"" + std::string(key) + "\"");
            return *fallback;
        }
        return uint_value(*v, child(ptr, key), lo, hi);
    }

    // A period: 0 (off) or lo..kMaxPeriodMs.
    std::uint32_t period_field(const json& obj, const std::string& ptr, std::string_view key,
                               std::uint64_t lo) const {
        const json* v = find(obj, key);
        if (!v) return 0;
        const std::string p = child(ptr, key);
        const std::uint64_t ms = uint_value(*v, p, 0, std::numeric_limits<std::uint32_t>::max());
        if (ms != 0 && (ms < lo || ms > kMaxPeriodMs)) {
            fail(p, "must be 0 (off) or from " + std::to_string(lo) + " to " + std::to_string(kMaxPeriodMs) +
                        " ms, not " + std::to_string(ms));
        }
        return static_cast<std::uint32_t>(ms);
    }

    double number_value(const json& v, const std::string& ptr) const {
        if (!v.is_number()) fail(ptr, "must be a number, not " + show(v));
        const double d = v.get<double>();
        if (!std::isfinite(d)) fail(ptr, "must be a finite number");
        return d;
    }

    std::optional<double> optional_number(const json& obj, const std::string& ptr,
                                          std::string_view key) const {
        const json* v = find(obj, key);
        if (!v) return std::nullopt;
        return number_value(*v, child(ptr, key));
    }

    bool bool_field(const json& obj, const std::string& ptr, std::string_view key, bool fallback) const {
        const json* v = find(obj, key);
        if (!v) return fallback;
        if (!v->is_boolean()) fail(child(ptr, key), "must be true or false, not " + show(*v));
        return v->get<bool>();
    }

    const json* array_field(const json& obj, const std::string& ptr, std::string_view key,
                            bool required_field) const {
        const json* v = find(obj, key);
        if (!v) {
            if (required_field) fail(ptr, "missing \"" + std::string(key) + "\"");
            return nullptr;
        }
        if (!v->is_array()) fail(child(ptr, key), "must be an array, not " + show(*v));
        return v;
    }

    // ---- Sections ------------------------------------------------------------------------------------

    Application application(const json& root) const {
        const std::string ptr = "/application";
        const json& a = object_at(required(root, "", "application"), ptr);
        check_keys(a, ptr, {"name", "config_version", "description"});
        Application app;
        app.name = string_field(a, ptr, "name");
        if (app.name.empty() || app.name.size() > 255 || app.name.find('\0') != std::string::npos) {
            fail(child(ptr, "name"), "must be 1 to 255 bytes without NUL");
        }
        app.config_version = static_cast<std::uint32_t>(
            uint_field(a, ptr, "config_version", 0, std::numeric_limits<std::uint32_t>::max()));
        app.description = string_field(a, ptr, "description", "");
        return app;
    }

    std::uint32_t address_field(const json& obj, const std::string& ptr) const {
        const json& v = required(obj, ptr, "address");
        const std::string p = child(ptr, "address");
        if (v.is_string()) {
            const std::string s = v.get<std::string>();
            const std::string_view digits = std::string_view(s).substr(std::min<std::size_t>(2, s.size()));
            if ((s.starts_with("0x") || s.starts_with("0X")) && !digits.empty() && digits.size() <= 8) {
                const auto bytes = from_hex(std::string(digits.size() % 2 ? "0" : "") + std::string(digits));
                if (bytes) {
                    std::uint32_t a = 0;
                    for (char c : *bytes)
                        a = (a << 8) | static_cast<unsigned char>(c);
                    return a;
                }
            }
            fail(p, qstr(s) + " is not an address (an integer, or hexadecimal text such as \"0x20000000\")");
        }
        if (!v.is_number_integer()) {
            fail(p, "must be an address (an integer, or hexadecimal text such as \"0x20000000\"), not " +
                        show(v));
        }
        return static_cast<std::uint32_t>(uint_value(v, p, 0, std::numeric_limits<std::uint32_t>::max()));
    }

    void check_in_type_range(double v, ValueType type, const std::string& ptr) const {
        const auto [lo, hi] = value_range(type);
        if (v < lo || v > hi) {
            fail(ptr, format_number(v) + " is outside the range of " + std::string(name(type)) + " (" +
                          format_number(lo) + " to " + format_number(hi) + ")");
        }
    }

    Variable variable(const json& item, const std::string& ptr) const {
        const json& o = object_at(item, ptr);
        check_keys(o, ptr,
                   {"id", "name", "address", "type", "count", "access", "unit", "render", "min", "max",
                    "step", "on_text", "off_text", "choices"});
        Variable v;
        v.id = static_cast<std::uint16_t>(uint_field(o, ptr, "id", 0, 65534));
        v.name = name_field(o, ptr, "name");
        v.address = address_field(o, ptr);
        {
            const std::string type = string_field(o, ptr, "type");
            const auto t = value_type_from_name(type);
            if (!t) {
                fail(child(ptr, "type"),
                     qstr(type) +
                         " is not a type (int8, uint8, int16, uint16, int32, uint32, float32, float64)");
            }
            v.type = *t;
        }
        v.count = static_cast<std::uint16_t>(uint_field(o, ptr, "count", 1, kMaxCount, 1));
        if (v.size() > kMaxVariableSize) {
            fail(child(ptr, "count"), std::to_string(v.count) + " elements of " + std::string(name(v.type)) +
                                          " exceed " + std::to_string(kMaxVariableSize) + " bytes");
        }
        if (static_cast<std::uint64_t>(v.address) + v.size() > (std::uint64_t{1} << 32)) {
            fail(child(ptr, "address"), "the variable runs past the end of the 32-bit address space");
        }
        {
            const std::string access = string_field(o, ptr, "access", "ro");
            if (access != "ro" && access != "rw") {
                fail(child(ptr, "access"), qstr(access) + " is not an access (\"ro\" or \"rw\")");
            }
            v.writable = access == "rw";
        }
        v.unit = string_field(o, ptr, "unit", "");
        {
            const std::string render = string_field(o, ptr, "render", "number");
            const auto r = render_from_name(render);
            if (!r) {
                fail(child(ptr, "render"),
                     qstr(render) +
                         " is not a rendering (number, gauge, chart, switch, select, slider, text)");
            }
            v.render = *r;
        }
        v.min = optional_number(o, ptr, "min");
        v.max = optional_number(o, ptr, "max");
        v.step = optional_number(o, ptr, "step");
        if (v.min) check_in_type_range(*v.min, v.type, child(ptr, "min"));
        if (v.max) check_in_type_range(*v.max, v.type, child(ptr, "max"));
        if (v.min && v.max && *v.min > *v.max) {
            fail(child(ptr, "max"),
                 "max " + format_number(*v.max) + " is below min " + format_number(*v.min));
        }
        if (v.step && *v.step <= 0) fail(child(ptr, "step"), "must be above 0");
        v.on_text = string_field(o, ptr, "on_text", "");
        v.off_text = string_field(o, ptr, "off_text", "");
        if (const json* choices = array_field(o, ptr, "choices", false)) {
            const std::string cptr = child(ptr, "choices");
            std::set<double> values;
            std::set<std::string> labels;
            for (std::size_t i = 0; i < choices->size(); ++i) {
                const std::string p = child(cptr, i);
                const json& c = object_at((*choices)[i], p);
                check_keys(c, p, {"value", "label"});
                Choice choice;
                choice.value = number_value(required(c, p, "value"), child(p, "value"));
                check_in_type_range(choice.value, v.type, child(p, "value"));
                if (is_integer(v.type) && std::floor(choice.value) != choice.value) {
                    fail(child(p, "value"), format_number(choice.value) + " is not an integer, as " +
                                                std::string(name(v.type)) + " values are");
                }
                choice.label = string_field(c, p, "label");
                if (choice.label.empty()) fail(child(p, "label"), "must not be empty");
                if (!values.insert(choice.value).second) {
                    fail(child(p, "value"), "value " + format_number(choice.value) + " is listed twice");
                }
                if (!labels.insert(choice.label).second) {
                    fail(child(p, "label"), "label " + qstr(choice.label) + " is listed twice");
                }
                v.choices.push_back(std::move(choice));
            }
        }
        if ((v.render == Render::Switch || v.render == Render::Select || v.render == Render::Slider) &&
            v.count != 1) {
            fail(child(ptr, "render"),
                 "a " + std::string(name(v.render)) + " shows one value, not " + std::to_string(v.count));
        }
        if (v.render == Render::Select && v.choices.empty()) {
            fail(ptr, "a select needs \"choices\"");
        }
        return v;
    }

    std::vector<Variable> variables(const json& root) const {
        const json& list = *array_field(root, "", "variables", true);
        std::vector<Variable> out;
        std::map<std::uint16_t, std::size_t> ids;
        std::map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string ptr = child("/variables", i);
            Variable v = variable(list[i], ptr);
            if (auto [it, fresh] = ids.try_emplace(v.id, i); !fresh) {
                fail(child(ptr, "id"), "id " + std::to_string(v.id) + " is already used by /variables/" +
                                           std::to_string(it->second) + " (" + qstr(out[it->second].name) +
                                           ")");
            }
            if (auto [it, fresh] = names.try_emplace(v.name, i); !fresh) {
                fail(child(ptr, "name"),
                     qstr(v.name) + " is already the name of /variables/" + std::to_string(it->second));
            }
            for (std::size_t j = 0; j < out.size(); ++j) {
                const Variable& w = out[j];
                const std::uint64_t a0 = v.address, a1 = a0 + v.size();
                const std::uint64_t b0 = w.address, b1 = b0 + w.size();
                if (a0 < b1 && b0 < a1) {
                    fail(child(ptr, "address"), hex32(a0) + ".." + hex32(a1 - 1) + " overlaps " +
                                                    qstr(w.name) + " (/variables/" + std::to_string(j) +
                                                    ", " + hex32(b0) + ".." + hex32(b1 - 1) + ")");
                }
            }
            out.push_back(std::move(v));
        }
        return out;
    }

    std::vector<Profile> profiles(const json& root) const {
        std::vector<Profile> out;
        const json* list = array_field(root, "", "profiles", false);
        if (!list) return out;
        std::map<std::uint16_t, std::size_t> ids;
        std::map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string ptr = child("/profiles", i);
            const json& o = object_at((*list)[i], ptr);
            check_keys(o, ptr, {"id", "name", "password", "password_hash", "lifetime_s"});
            Profile p;
            p.id = static_cast<std::uint16_t>(uint_field(o, ptr, "id", 0, 65535));
            p.name = name_field(o, ptr, "name", kUserFieldSize);
            const json* password = find(o, "password");
            const json* hash = find(o, "password_hash");
            if (password && hash) fail(ptr, "has both \"password\" and \"password_hash\"; keep one");
            if (p.id == kAnonymousProfile && (password || hash)) {
                fail(child(ptr, password ? "password" : "password_hash"),
                     "the anonymous profile (id 0) never logs in and has no password");
            }
            if (password) {
                const std::string text = string_value(*password, child(ptr, "password"));
                if (text.empty()) fail(child(ptr, "password"), "must not be empty");
                p.password_hash = password_hash(text);
            } else if (hash) {
                const std::string text = string_value(*hash, child(ptr, "password_hash"));
                const auto bytes = from_hex(text);
                if (!bytes || bytes->size() != kPasswordHashSize) {
                    fail(child(ptr, "password_hash"), "must be 32 hexadecimal digits, not " + qstr(text));
                }
                PasswordHash h{};
                std::copy(bytes->begin(), bytes->end(), h.begin());
                p.password_hash = h;
            } else if (p.id != kAnonymousProfile) {
                fail(ptr, "missing \"password_hash\" (or \"password\"): only anonymous (id 0) has none");
            }
            p.lifetime_s =
                static_cast<std::uint32_t>(uint_field(o, ptr, "lifetime_s", 1, kMaxLifetimeS, 300));
            if (auto [it, fresh] = ids.try_emplace(p.id, i); !fresh) {
                fail(child(ptr, "id"), "id " + std::to_string(p.id) + " is already used by /profiles/" +
                                           std::to_string(it->second));
            }
            if (auto [it, fresh] = names.try_emplace(p.name, i); !fresh) {
                fail(child(ptr, "name"),
                     qstr(p.name) + " is already the name of /profiles/" + std::to_string(it->second));
            }
            out.push_back(std::move(p));
        }
        return out;
    }

    // A reference by name (string) or id (integer) to something in `items`.
    template <typename T>
    const T& reference(const json& v, const std::string& ptr, const std::vector<T>& items,
                       const char* what) const {
        if (v.is_string()) {
            const std::string s = v.get<std::string>();
            for (const T& item : items) {
                if (item.name == s) return item;
            }
            fail(ptr, "no " + std::string(what) + " is named " + qstr(s));
        }
        if (v.is_number_integer()) {
            const std::uint64_t id = uint_value(v, ptr, 0, 65535);
            for (const T& item : items) {
                if (item.id == id) return item;
            }
            fail(ptr, "no " + std::string(what) + " has id " + std::to_string(id));
        }
        fail(ptr, "must be a " + std::string(what) + " name or id, not " + show(v));
    }

    std::vector<Bundle> bundles(const json& root, const Project& p) const {
        std::vector<Bundle> out;
        const json* list = array_field(root, "", "bundles", false);
        if (!list) return out;
        std::map<std::uint16_t, std::size_t> ids;
        std::map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string ptr = child("/bundles", i);
            const json& o = object_at((*list)[i], ptr);
            check_keys(o, ptr,
                       {"id", "name", "variables", "monitoring_period_ms", "datalog_period_ms", "rights"});
            Bundle b;
            b.id = static_cast<std::uint16_t>(uint_field(o, ptr, "id", 0, 65534));
            b.name = name_field(o, ptr, "name");
            const json& vars = *array_field(o, ptr, "variables", true);
            const std::string vptr = child(ptr, "variables");
            if (vars.empty()) fail(vptr, "a bundle needs at least one variable");
            for (std::size_t j = 0; j < vars.size(); ++j) {
                const Variable& v = reference(vars[j], child(vptr, j), p.variables_, "variable");
                if (std::find(b.variable_ids.begin(), b.variable_ids.end(), v.id) != b.variable_ids.end()) {
                    fail(child(vptr, j), qstr(v.name) + " is listed twice");
                }
                b.variable_ids.push_back(v.id);
            }
            b.monitoring_period_ms = period_field(o, ptr, "monitoring_period_ms", kMinMonitoringMs);
            b.datalog_period_ms = period_field(o, ptr, "datalog_period_ms", kMinDatalogMs);
            if (const json* rights = array_field(o, ptr, "rights", false)) {
                const std::string rptr = child(ptr, "rights");
                for (std::size_t j = 0; j < rights->size(); ++j) {
                    const std::string rp = child(rptr, j);
                    const json& r = object_at((*rights)[j], rp);
                    check_keys(r, rp, {"profile", "read", "write"});
                    const Profile& prof =
                        reference(required(r, rp, "profile"), child(rp, "profile"), p.profiles_, "profile");
                    BundleRight right{prof.id, bool_field(r, rp, "read", false),
                                      bool_field(r, rp, "write", false)};
                    if (!right.read && !right.write) fail(rp, "grants neither read nor write");
                    for (const auto& other : b.rights) {
                        if (other.profile_id == right.profile_id) {
                            fail(child(rp, "profile"), "rights for " + qstr(prof.name) + " are given twice");
                        }
                    }
                    b.rights.push_back(right);
                }
            }
            if (auto [it, fresh] = ids.try_emplace(b.id, i); !fresh) {
                fail(child(ptr, "id"), "id " + std::to_string(b.id) + " is already used by /bundles/" +
                                           std::to_string(it->second));
            }
            if (auto [it, fresh] = names.try_emplace(b.name, i); !fresh) {
                fail(child(ptr, "name"),
                     qstr(b.name) + " is already the name of /bundles/" + std::to_string(it->second));
            }
            out.push_back(std::move(b));
        }
        return out;
    }

    std::vector<AlarmRule> alarms(const json& root, const Project& p) const {
        std::vector<AlarmRule> out;
        const json* list = array_field(root, "", "alarms", false);
        if (!list) return out;
        std::map<std::uint16_t, std::size_t> ids;
        std::map<std::string, std::size_t> names;
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string ptr = child("/alarms", i);
            const json& o = object_at((*list)[i], ptr);
            check_keys(o, ptr, {"id", "name", "variable", "kind", "threshold", "hysteresis"});
            AlarmRule a;
            a.id = static_cast<std::uint16_t>(uint_field(o, ptr, "id", 0, 65535));
            a.name = name_field(o, ptr, "name");
            const Variable& v =
                reference(required(o, ptr, "variable"), child(ptr, "variable"), p.variables_, "variable");
            if (v.count != 1) {
                fail(child(ptr, "variable"), qstr(v.name) + " has " + std::to_string(v.count) +
                                                 " elements; alarms watch single values");
            }
            a.variable_id = v.id;
            const std::string kind = string_field(o, ptr, "kind");
            if (kind == "above") {
                a.kind = AlarmKind::Above;
            } else if (kind == "below") {
                a.kind = AlarmKind::Below;
            } else if (kind == "change") {
                a.kind = AlarmKind::Change;
            } else {
                fail(child(ptr, "kind"), qstr(kind) + " is not an alarm kind (above, below, change)");
            }
            const std::optional<double> threshold = optional_number(o, ptr, "threshold");
            const std::optional<double> hysteresis = optional_number(o, ptr, "hysteresis");
            if (a.kind == AlarmKind::Change) {
                a.threshold = threshold.value_or(0);
                if (a.threshold < 0) {
                    fail(child(ptr, "threshold"),
                         "a change alarm's threshold (the least change) must be 0 or more");
                }
                if (hysteresis.value_or(0) != 0)
                    fail(child(ptr, "hysteresis"), "a change alarm has no hysteresis");
            } else {
                if (!threshold) fail(ptr, "missing \"threshold\"");
                a.threshold = *threshold;
                a.hysteresis = hysteresis.value_or(0);
                if (a.hysteresis < 0) fail(child(ptr, "hysteresis"), "must be 0 or more");
            }
            if (auto [it, fresh] = ids.try_emplace(a.id, i); !fresh) {
                fail(child(ptr, "id"), "id " + std::to_string(a.id) + " is already used by /alarms/" +
                                           std::to_string(it->second));
            }
            if (auto [it, fresh] = names.try_emplace(a.name, i); !fresh) {
                fail(child(ptr, "name"),
                     qstr(a.name) + " is already the name of /alarms/" + std::to_string(it->second));
            }
            out.push_back(std::move(a));
        }
        return out;
    }

    RelaySettings relay(const json& root) const {
        const json* v = find(root, "relay");
        if (!v) return RelaySettings{};
        return relay_object(*v, "/relay");
    }

  public:
    RelaySettings relay_object(const json& v, const std::string& ptr) const {
        RelaySettings r;
        const json& o = object_at(v, ptr);
        check_keys(o, ptr, {"host", "port", "client_id", "username", "password", "netkey", "topic_prefix"});
        r.host = string_field(o, ptr, "host", r.host);
        r.port = static_cast<std::uint16_t>(uint_field(o, ptr, "port", 1, 65535, r.port));
        r.client_id = string_field(o, ptr, "client_id", r.client_id);
        r.username = string_field(o, ptr, "username", r.username);
        r.password = string_field(o, ptr, "password", r.password);
        r.netkey = string_field(o, ptr, "netkey", r.netkey);
        r.topic_prefix = string_field(o, ptr, "topic_prefix", r.topic_prefix);
        if (const auto problem = check_relay_settings(r)) fail(child(ptr, problem->key), problem->message);
        return r;
    }

    json parse_text(std::string_view text) const { return parse_json(text); }

  private:
    std::string source_;
};

Project Project::parse(std::string_view text, std::string_view source) {
    return ProjectParser(source).parse(text);
}

std::optional<SettingProblem> check_relay_settings(const RelaySettings& r) {
    const bool bad_host_byte = std::any_of(r.host.begin(), r.host.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b <= 0x20 || b == 0x7F || c == '/';
    });
    if (r.host.empty() || r.host.size() > 255 || bad_host_byte) {
        return SettingProblem{"host", qstr(r.host) +
                                          " is not a host name or address (1 to 255 bytes, no spaces, '/' or "
                                          "control characters)"};
    }
    if (r.port == 0) return SettingProblem{"port", "must be an integer from 1 to 65535, not 0"};
    if (r.client_id.empty())
        return SettingProblem{"client_id", "must not be empty (\"{serial}\": the serial number)"};
    const std::pair<const char*, const std::string*> texts[] = {{"client_id", &r.client_id},
                                                                {"username", &r.username},
                                                                {"password", &r.password},
                                                                {"netkey", &r.netkey},
                                                                {"topic_prefix", &r.topic_prefix}};
    for (const auto& [key, text] : texts) {
        if (text->size() > 65535) return SettingProblem{key, "longer than 65535 bytes"};
        if (text->find('\0') != std::string::npos) return SettingProblem{key, "contains NUL"};
    }
    const std::string& t = r.topic_prefix;
    if (t.empty() || t.front() == '/' || t.back() == '/' || t.find_first_of("+#") != std::string::npos) {
        return SettingProblem{
            "topic_prefix",
            qstr(t) + " is not a topic prefix (not empty, no '+' or '#', no '/' at either end)"};
    }
    return std::nullopt;
}

RelaySettings parse_relay_settings(std::string_view text, std::string_view source) {
    const ProjectParser parser(source);
    return parser.relay_object(parser.parse_text(text), "");
}

namespace {

ojson relay_json(const RelaySettings& r) {
    ojson relay = ojson::object();
    relay["host"] = r.host;
    relay["port"] = r.port;
    relay["client_id"] = r.client_id;
    relay["username"] = r.username;
    relay["password"] = r.password;
    relay["netkey"] = r.netkey;
    relay["topic_prefix"] = r.topic_prefix;
    return relay;
}

ojson number_json(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) return ojson(static_cast<std::int64_t>(v));
    return ojson(v);
}

}  // namespace

std::string relay_settings_to_json(const RelaySettings& settings) {
    return relay_json(settings).dump(2) + "\n";
}

std::string Project::to_json() const {
    ojson root = ojson::object();
    ojson app = ojson::object();
    app["name"] = application_.name;
    app["config_version"] = application_.config_version;
    if (!application_.description.empty()) app["description"] = application_.description;
    root["application"] = std::move(app);

    ojson vars = ojson::array();
    for (const Variable& v : variables_) {
        ojson o = ojson::object();
        o["id"] = v.id;
        o["name"] = v.name;
        o["address"] = hex32(v.address);
        o["type"] = std::string(name(v.type));
        if (v.count != 1) o["count"] = v.count;
        o["access"] = v.writable ? "rw" : "ro";
        if (!v.unit.empty()) o["unit"] = v.unit;
        o["render"] = std::string(name(v.render));
        if (v.min) o["min"] = number_json(*v.min);
        if (v.max) o["max"] = number_json(*v.max);
        if (v.step) o["step"] = number_json(*v.step);
        if (!v.on_text.empty()) o["on_text"] = v.on_text;
        if (!v.off_text.empty()) o["off_text"] = v.off_text;
        if (!v.choices.empty()) {
            ojson choices = ojson::array();
            for (const Choice& c : v.choices) {
                ojson co = ojson::object();
                co["value"] = number_json(c.value);
                co["label"] = c.label;
                choices.push_back(std::move(co));
            }
            o["choices"] = std::move(choices);
        }
        vars.push_back(std::move(o));
    }
    root["variables"] = std::move(vars);

    ojson bundles = ojson::array();
    for (const Bundle& b : bundles_) {
        ojson o = ojson::object();
        o["id"] = b.id;
        o["name"] = b.name;
        ojson names = ojson::array();
        for (auto id : b.variable_ids)
            names.push_back(variable(id)->name);
        o["variables"] = std::move(names);
        o["monitoring_period_ms"] = b.monitoring_period_ms;
        o["datalog_period_ms"] = b.datalog_period_ms;
        ojson rights = ojson::array();
        for (const BundleRight& r : b.rights) {
            ojson ro = ojson::object();
            ro["profile"] = profile(r.profile_id)->name;
            ro["read"] = r.read;
            ro["write"] = r.write;
            rights.push_back(std::move(ro));
        }
        o["rights"] = std::move(rights);
        bundles.push_back(std::move(o));
    }
    root["bundles"] = std::move(bundles);

    ojson profiles = ojson::array();
    for (const Profile& p : profiles_) {
        ojson o = ojson::object();
        o["id"] = p.id;
        o["name"] = p.name;
        if (p.password_hash) {
            o["password_hash"] = to_hex(
                std::string_view(reinterpret_cast<const char*>(p.password_hash->data()), kPasswordHashSize));
        }
        o["lifetime_s"] = p.lifetime_s;
        profiles.push_back(std::move(o));
    }
    root["profiles"] = std::move(profiles);

    ojson alarms = ojson::array();
    for (const AlarmRule& a : alarms_) {
        ojson o = ojson::object();
        o["id"] = a.id;
        o["name"] = a.name;
        o["variable"] = variable(a.variable_id)->name;
        o["kind"] = std::string(name(a.kind));
        o["threshold"] = number_json(a.threshold);
        o["hysteresis"] = number_json(a.hysteresis);
        alarms.push_back(std::move(o));
    }
    root["alarms"] = std::move(alarms);

    root["relay"] = relay_json(relay_);

    return root.dump(2) + "\n";
}

namespace {

template <typename T, typename Key>
const T* find_item(const std::vector<T>& items, Key key, bool by_name) {
    for (const T& item : items) {
        if constexpr (std::is_same_v<Key, std::string_view>) {
            (void)by_name;
            if (item.name == key) return &item;
        } else {
            if (item.id == key) return &item;
        }
    }
    return nullptr;
}

}  // namespace

const Variable* Project::variable(std::uint16_t id) const noexcept {
    return find_item(variables_, id, false);
}
const Variable* Project::variable(std::string_view name) const noexcept {
    return find_item(variables_, name, true);
}
const Bundle* Project::bundle(std::uint16_t id) const noexcept {
    return find_item(bundles_, id, false);
}
const Bundle* Project::bundle(std::string_view name) const noexcept {
    return find_item(bundles_, name, true);
}
const Profile* Project::profile(std::uint16_t id) const noexcept {
    return find_item(profiles_, id, false);
}
const Profile* Project::profile(std::string_view name) const noexcept {
    return find_item(profiles_, name, true);
}
const AlarmRule* Project::alarm(std::uint16_t id) const noexcept {
    return find_item(alarms_, id, false);
}

namespace {

const BundleRight* right_of(const Bundle& b, std::uint16_t profile_id) {
    for (const auto& r : b.rights) {
        if (r.profile_id == profile_id) return &r;
    }
    return nullptr;
}

}  // namespace

bool Project::can_read_bundle(std::uint16_t profile_id, std::uint16_t bundle_id) const noexcept {
    const Bundle* b = bundle(bundle_id);
    if (!b) return false;
    if (profile_id == kAdminProfile) return true;
    const BundleRight* r = right_of(*b, profile_id);
    return r && r->read;
}

bool Project::can_write_bundle(std::uint16_t profile_id, std::uint16_t bundle_id) const noexcept {
    const Bundle* b = bundle(bundle_id);
    if (!b) return false;
    if (profile_id == kAdminProfile) return true;
    const BundleRight* r = right_of(*b, profile_id);
    return r && r->write;
}

bool Project::can_read(std::uint16_t profile_id, std::uint16_t variable_id) const noexcept {
    if (!variable(variable_id)) return false;
    if (profile_id == kAdminProfile) return true;
    for (const Bundle& b : bundles_) {
        const BundleRight* r = right_of(b, profile_id);
        if (r && r->read &&
            std::find(b.variable_ids.begin(), b.variable_ids.end(), variable_id) != b.variable_ids.end()) {
            return true;
        }
    }
    return false;
}

bool Project::can_write(std::uint16_t profile_id, std::uint16_t variable_id) const noexcept {
    if (!variable(variable_id)) return false;
    if (profile_id == kAdminProfile) return true;
    for (const Bundle& b : bundles_) {
        const BundleRight* r = right_of(b, profile_id);
        if (r && r->write &&
            std::find(b.variable_ids.begin(), b.variable_ids.end(), variable_id) != b.variable_ids.end()) {
            return true;
        }
    }
    return false;
}

std::vector<std::uint16_t> Project::readable_variables(std::uint16_t profile_id) const {
    std::vector<std::uint16_t> out;
    for (const Variable& v : variables_) {
        if (can_read(profile_id, v.id)) out.push_back(v.id);
    }
    return out;
}

}  // namespace tapmq::tap
