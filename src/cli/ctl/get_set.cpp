// ctl get, set, bundle and raw: variables by name with typed values, a bundle at once, any request.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/describe.hpp"
#include "tap/hex.hpp"
#include "tap/object_model.hpp"
#include "tap/protocol_error.hpp"
#include "tap/value.hpp"

namespace tapmq::cli::ctl {

namespace {

void print_line(std::FILE* out, const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), out);
    std::fputc('\n', out);
}

std::vector<double> decoded(const tap::Variable& v, const std::string& raw) {
    try {
        return tap::decode_value(v, raw);
    } catch (const tap::ProtocolError&) {
        throw CtlError(kCtlTapError, v.name + ": the Tap answered " + std::to_string(raw.size()) +
                                         " bytes, the project's " + std::string(tap::name(v.type)) + " x" +
                                         std::to_string(v.count) + " is " + std::to_string(v.size()) +
                                         " (does --project match the Tap?)");
    }
}

}  // namespace

int ctl_get(Context& c) {
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    std::vector<const tap::Variable*> vars;
    for (const auto& n : c.args.names)
        vars.push_back(&find_variable(c.project, n));  // every name checked before any request
    for (const tap::Variable* v : vars) {
        const auto r =
            c.tap.expect({tap::Method::Get, tap::paths::variable_value(v->id), {}}, "GET " + v->name);
        const auto numbers = decoded(*v, r.data);
        if (c.args.json) {
            all[v->name] = tap::value_to_json(*v, numbers);
        } else {
            print_line(c.out, tap::format_value(*v, numbers));
        }
    }
    if (c.args.json) print_line(c.out, all.dump());
    return kCtlOk;
}

int ctl_set(Context& c) {
    const tap::Variable& v = find_variable(c.project, c.args.names.at(0));
    std::string raw;
    try {
        raw = tap::parse_value(v, c.args.value);
    } catch (const tap::ProtocolError& e) {
        std::string hint;
        if (!v.choices.empty()) {
            hint = " (one of";
            for (const auto& ch : v.choices)
                hint += " " + ch.label;
            hint += ")";
        }
        throw CtlError(kCtlBadInput, std::string(e.what()) + hint);
    }
    if (!v.writable) {
        throw CtlError(kCtlRefused, "refused: " + v.name + " is read-only (access \"ro\" in project " +
                                        c.project.application().name + ")");
    }
    c.tap.expect({tap::Method::Put, tap::paths::variable_value(v.id), raw}, "PUT " + v.name);
    const auto numbers = tap::decode_value(v, raw);
    if (c.args.json) {
        nlohmann::ordered_json j;
        j[v.name] = tap::value_to_json(v, numbers);
        print_line(c.out, j.dump());
    } else {
        print_line(c.out, v.name + " = " + tap::format_value(v, numbers));
    }
    return kCtlOk;
}

int ctl_bundle(Context& c) {
    const tap::Bundle& b = find_bundle(c.project, c.args.names.at(0));
    const tap::TapRequest req{tap::Method::Get, tap::paths::bundle_values(b.id), {}};
    const auto r = c.tap.expect(req, "GET bundle " + b.name);
    std::vector<std::string> parts;
    try {
        parts = tap::split_bundle_values(c.project, b, r.data);
    } catch (const tap::ProtocolError& e) {
        throw CtlError(kCtlTapError,
                       "bundle " + b.name + ": " + e.what() + " (does --project match the Tap?)");
    }
    nlohmann::ordered_json all = nlohmann::ordered_json::object();
    std::size_t width = 0;
    for (auto id : b.variable_ids)
        width = std::max(width, c.project.variable(id)->name.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const tap::Variable& v = *c.project.variable(b.variable_ids[i]);
        const auto numbers = tap::decode_value(v, parts[i]);
        if (c.args.json) {
            all[v.name] = tap::value_to_json(v, numbers);
        } else {
            std::string line =
                v.name + std::string(width + 2 - v.name.size(), ' ') + tap::format_value(v, numbers);
            if (!v.unit.empty()) line += " " + v.unit;
            print_line(c.out, line);
        }
    }
    if (c.args.json) print_line(c.out, all.dump());
    return kCtlOk;
}

int ctl_raw(Context& c) {
    tap::TapRequest req;
    std::string m = c.args.method;
    for (auto& ch : m)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (m == "GET") {
        req.method = tap::Method::Get;
    } else if (m == "PUT") {
        req.method = tap::Method::Put;
    } else if (m == "POST") {
        req.method = tap::Method::Post;
    } else {
        throw CtlError(kCtlBadInput, "method \"" + c.args.method + "\": GET, PUT or POST");
    }
    try {
        req.path = tap::Path::parse(c.args.path);
    } catch (const tap::ProtocolError& e) {
        throw CtlError(kCtlBadInput, e.what());
    }
    std::string hex = c.args.hex;
    std::erase_if(hex, [](char ch) { return ch == ' ' || ch == ':'; });
    auto payload = tap::from_hex(hex);
    if (!payload) throw CtlError(kCtlBadInput, "payload \"" + c.args.hex + "\" is not hex (e.g. 000001F4)");
    req.payload = *payload;
    const tap::TapResponse r = c.tap.call(req);
    if (c.args.json) {
        nlohmann::ordered_json j;
        j["request"] = tap::describe_request(req, &c.project);
        j["code"] = static_cast<int>(r.code);
        j["code_name"] = std::string(tap::name(r.code));
        j["data_hex"] = tap::to_hex(r.data);
        j["value"] = tap::data_json(&req, r, &c.project);
        print_line(c.out, j.dump());
    } else {
        print_line(c.out, tap::describe(r.code));
        if (!r.data.empty()) {
            print_line(c.out, tap::to_hex(r.data));
            const std::string typed = tap::describe_data(&req, r, &c.project);
            if (typed != tap::to_hex(r.data)) print_line(c.out, typed);
        }
    }
    return tap::is_success(r.code) ? kCtlOk : exit_code_for(r.code);
}

}  // namespace tapmq::cli::ctl
