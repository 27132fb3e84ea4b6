// Variable values: bytes <-> numbers, text and JSON, with write checks.
#include "value.hpp"

#include <nlohmann/json.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include "protocol_error.hpp"

namespace tapmq::tap {

namespace {

[[noreturn]] void refuse(const Variable& v, const std::string& why) {
    bad_request(v.name + ": " + why);
}

std::string number_text(ValueType type, double x) {
    char buf[64];
    std::to_chars_result r{};
    if (type == ValueType::Float32) {
        r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(x));
    } else if (type == ValueType::Float64) {
        r = std::to_chars(buf, buf + sizeof buf, x);
    } else {
        r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(x));
    }
    return std::string(buf, r.ptr);
}

std::string shown(double x) {
    return number_text(ValueType::Float64, x);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string on_label(const Variable& v) {
    return v.on_text.empty() ? "on" : v.on_text;
}
std::string off_label(const Variable& v) {
    return v.off_text.empty() ? "off" : v.off_text;
}

std::optional<double> value_of_label(const Variable& v, std::string_view label) {
    for (const Choice& c : v.choices) {
        if (c.label == label) return c.value;
    }
    if (v.render == Render::Switch || !v.on_text.empty() || !v.off_text.empty()) {
        if (label == on_label(v)) return 1.0;
        if (label == off_label(v)) return 0.0;
    }
    return std::nullopt;
}

// One element of plain text: a label, a decimal number, or 0x-hex for an integer type.
double element_of_text(const Variable& v, std::string_view token) {
    token = trim(token);
    if (token.empty()) refuse(v, "an element is empty");
    if (const auto l = value_of_label(v, token)) return *l;
    std::string_view digits = token;
    const bool negative = digits.front() == '-';
    if (negative) digits.remove_prefix(1);
    if (is_integer(v.type) && (digits.starts_with("0x") || digits.starts_with("0X"))) {
        digits.remove_prefix(2);
        std::uint64_t u = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u, 16);
        if (!digits.empty() && r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
            return negative ? -static_cast<double>(u) : static_cast<double>(u);
        }
    } else {
        double d = 0;
        const auto r = std::from_chars(token.data(), token.data() + token.size(), d);
        if (r.ec == std::errc() && r.ptr == token.data() + token.size()) return d;
        if (r.ec == std::errc::result_out_of_range)
            refuse(v, std::string("\"").append(token) + "\" is out of range");
    }
    std::string what = std::string("\"").append(token.substr(0, 40)) + "\" is not a number";
    if (!v.choices.empty() || v.render == Render::Switch) what += " or a label";
    refuse(v, what);
}

double element_of_json(const Variable& v, const nlohmann::json& j) {
    if (j.is_boolean()) return j.get<bool>() ? 1.0 : 0.0;
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) return element_of_text(v, j.get_ref<const std::string&>());
    refuse(v, std::string("a ") + j.type_name() + " is not a value");
}

}  // namespace

std::vector<double> decode_value(const Variable& v, std::string_view raw) {
    if (raw.size() != v.size()) {
        refuse(v, std::to_string(raw.size()) + " bytes for " + std::to_string(v.count) + " × " +
                      std::string(name(v.type)) + " (" + std::to_string(v.size()) + " bytes)");
    }
    const std::size_t n = size_of(v.type);
    std::vector<double> out;
    out.reserve(v.count);
    for (std::size_t i = 0; i < v.count; ++i) {
        std::uint64_t bits = 0;
        for (std::size_t b = 0; b < n; ++b)
            bits = (bits << 8) | static_cast<unsigned char>(raw[i * n + b]);
        double x = 0;
        switch (v.type) {
            case ValueType::Int8:
                x = static_cast<std::int8_t>(bits);
                break;
            case ValueType::UInt8:
            case ValueType::UInt16:
            case ValueType::UInt32:
                x = static_cast<double>(bits);
                break;
            case ValueType::Int16:
                x = static_cast<std::int16_t>(bits);
                break;
            case ValueType::Int32:
                x = static_cast<std::int32_t>(bits);
                break;
            case ValueType::Float32:
                x = std::bit_cast<float>(static_cast<std::uint32_t>(bits));
                break;
            case ValueType::Float64:
                x = std::bit_cast<double>(bits);
                break;
        }
        out.push_back(x);
    }
    return out;
}

std::string encode_value(const Variable& v, const std::vector<double>& values) {
    if (values.size() != v.count) {
        refuse(v, std::to_string(values.size()) + (values.size() == 1 ? " value" : " values") + " for " +
                      std::to_string(v.count) + (v.count == 1 ? " element" : " elements"));
    }
    const auto [lo, hi] = value_range(v.type);
    const std::size_t n = size_of(v.type);
    std::string out;
    out.reserve(v.size());
    for (double x : values) {
        if (!std::isfinite(x)) refuse(v, "the value is not a finite number");
        if (is_integer(v.type) && std::floor(x) != x) {
            refuse(v, shown(x) + " is not an integer, as " + std::string(name(v.type)) + " values are");
        }
        if (x < lo || x > hi) {
            refuse(v, shown(x) + " is outside the range of " + std::string(name(v.type)));
        }
        // A float32 is compared as stored (rounded to float, like its limits), so that a value read
        // back from the device passes the checks it passed when written.
        const auto stored = [&v](double d) {
            return v.type == ValueType::Float32 ? static_cast<double>(static_cast<float>(d)) : d;
        };
        if (v.min && stored(x) < stored(*v.min))
            refuse(v, shown(x) + " is below the minimum " + shown(*v.min));
        if (v.max && stored(x) > stored(*v.max))
            refuse(v, shown(x) + " is above the maximum " + shown(*v.max));
        if (!v.choices.empty()) {
            bool listed = false;
            std::string list;
            for (const Choice& c : v.choices) {
                listed =
                    listed || c.value == x ||
                    (v.type == ValueType::Float32 && static_cast<float>(c.value) == static_cast<float>(x));
                list += (list.empty() ? "" : ", ") + shown(c.value) + " " + c.label;
            }
            if (!listed) refuse(v, shown(x) + " is not one of the choices (" + list + ")");
        }
        std::uint64_t bits = 0;
        switch (v.type) {
            case ValueType::Float32:
                bits = std::bit_cast<std::uint32_t>(static_cast<float>(x));
                break;
            case ValueType::Float64:
                bits = std::bit_cast<std::uint64_t>(x);
                break;
            default:
                bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
                break;
        }
        for (std::size_t b = 0; b < n; ++b)
            out.push_back(static_cast<char>((bits >> (8 * (n - 1 - b))) & 0xFF));
    }
    return out;
}

void check_value(const Variable& v, std::string_view raw) {
    (void)encode_value(v, decode_value(v, raw));
}

std::string encode_json_value(const Variable& v, const nlohmann::json& value) {
    std::vector<double> values;
    if (value.is_array()) {
        for (const auto& e : value)
            values.push_back(element_of_json(v, e));
    } else {
        values.push_back(element_of_json(v, value));
    }
    return encode_value(v, values);
}

std::string parse_value(const Variable& v, std::string_view text) {
    const std::string_view t = trim(text);
    if (t.empty()) refuse(v, "no value given");
    if (t.front() == '[' || t.front() == '"' || t == "true" || t == "false") {
        const auto j = nlohmann::json::parse(t.begin(), t.end(), nullptr, false);
        if (j.is_discarded()) refuse(v, std::string("\"").append(t.substr(0, 40)) + "\" is not valid JSON");
        return encode_json_value(v, j);
    }
    std::vector<double> values;
    std::size_t pos = 0;
    while (true) {
        const auto comma = t.find(',', pos);
        values.push_back(
            element_of_text(v, t.substr(pos, comma == std::string_view::npos ? t.npos : comma - pos)));
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return encode_value(v, values);
}

std::string format_value(const Variable& v, const std::vector<double>& values) {
    if (values.size() == 1) return number_text(v.type, values[0]);
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ", ";
        out += number_text(v.type, values[i]);
    }
    return out + "]";
}

nlohmann::json value_to_json(const Variable& v, const std::vector<double>& values) {
    auto one = [&v](double x) -> nlohmann::json {
        if (!std::isfinite(x)) return nullptr;
        if (is_integer(v.type)) return static_cast<std::int64_t>(x);
        if (v.type == ValueType::Float32) {
            // The float's shortest text, so 25.3f is 25.3 and not 25.299999237060547.
            double d = 0;
            const std::string s = number_text(ValueType::Float32, x);
            std::from_chars(s.data(), s.data() + s.size(), d);
            return d;
        }
        return x;
    };
    if (values.size() == 1) return one(values[0]);
    nlohmann::json arr = nlohmann::json::array();
    for (double x : values)
        arr.push_back(one(x));
    return arr;
}

std::optional<std::string> label_of(const Variable& v, double value) {
    for (const Choice& c : v.choices) {
        if (c.value == value) return c.label;
    }
    if (v.render == Render::Switch || !v.on_text.empty() || !v.off_text.empty()) {
        if (value == 1) return on_label(v);
        if (value == 0) return off_label(v);
    }
    return std::nullopt;
}

std::vector<std::string> split_bundle_values(const Project& project, const Bundle& bundle,
                                             std::string_view raw) {
    std::size_t total = 0;
    for (auto id : bundle.variable_ids)
        total += project.variable(id)->size();
    if (raw.size() != total) {
        bad_request(bundle.name + ": " + std::to_string(raw.size()) + " bytes for a bundle of " +
                    std::to_string(total));
    }
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (auto id : bundle.variable_ids) {
        const std::size_t n = project.variable(id)->size();
        out.emplace_back(raw.substr(pos, n));
        pos += n;
    }
    return out;
}

}  // namespace tapmq::tap
