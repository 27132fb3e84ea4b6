// Tap paths: text and binary forms.
#include "path.hpp"

#include "bytes.hpp"
#include "protocol_error.hpp"

namespace tapmq::tap {

namespace {

std::optional<std::uint16_t> parse_part(std::string_view text, std::string_view part, const char* what) {
    if (part.empty()) return std::nullopt;
    auto fail = [&](const std::string& why) {
        bad_request("path \"" + std::string(text) + "\": " + what + " " + why);
    };
    if (part.size() > 5) fail(std::string("\"").append(part) + "\" is out of range (0 to 65534)");
    std::uint32_t v = 0;
    for (char c : part) {
        if (c < '0' || c > '9') fail(std::string("\"").append(part) + "\" is not a number");
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v >= kAbsent) fail(std::string("\"").append(part) + "\" is out of range (0 to 65534)");
    return static_cast<std::uint16_t>(v);
}

void append_part(std::string& out, const std::optional<std::uint16_t>& part) {
    out.push_back('/');
    if (part) out += std::to_string(*part);
}

void put_part(std::string& out, const std::optional<std::uint16_t>& part) {
    detail::put_u16(out, part ? *part : kAbsent);
}

std::optional<std::uint16_t> wire_part(std::uint16_t v) {
    if (v == kAbsent) return std::nullopt;
    return v;
}

}  // namespace

Path Path::parse(std::string_view text) {
    if (text.empty() || text.front() != '/') {
        bad_request("path \"" + std::string(text) + "\": must start with '/' (/object/instance/resource)");
    }
    std::string_view rest = text.substr(1);
    std::string_view parts[3];
    for (int i = 0; i < 3; ++i) {
        const auto slash = rest.find('/');
        if (i < 2) {
            if (slash == std::string_view::npos) {
                bad_request("path \"" + std::string(text) +
                            "\": needs three parts, /object/instance/resource (e.g. /1024//9)");
            }
            parts[i] = rest.substr(0, slash);
            rest = rest.substr(slash + 1);
        } else {
            if (slash != std::string_view::npos) {
                bad_request("path \"" + std::string(text) +
                            "\": more than three parts (/object/instance/resource)");
            }
            parts[i] = rest;
        }
    }
    return Path{parse_part(text, parts[0], "object"), parse_part(text, parts[1], "instance"),
                parse_part(text, parts[2], "resource")};
}

std::string Path::to_string() const {
    std::string out;
    append_part(out, object);
    append_part(out, instance);
    append_part(out, resource);
    return out;
}

void Path::encode_to(std::string& out) const {
    put_part(out, object);
    put_part(out, instance);
    put_part(out, resource);
}

std::string Path::encode() const {
    std::string out;
    encode_to(out);
    return out;
}

Path Path::decode(std::string_view six_bytes) {
    if (six_bytes.size() != kPathSize) {
        bad_request("binary path of " + std::to_string(six_bytes.size()) + " bytes (6 expected)");
    }
    detail::Reader r(six_bytes);
    Path p;
    p.object = wire_part(r.u16("object"));
    p.instance = wire_part(r.u16("instance"));
    p.resource = wire_part(r.u16("resource"));
    return p;
}

}  // namespace tapmq::tap
