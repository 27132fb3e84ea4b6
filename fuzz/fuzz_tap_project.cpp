// libFuzzer target for the project file (src/tap/project.cpp) and variable values (value.cpp): a
// project arrives from `config push` and values from any requester allowed to write.
//
// Input: the text of a project file, optionally followed by a NUL and a value text; the text is also
// parsed as relay settings alone. ProjectError is
// how a file is refused, ProtocolError(0x80) how a value is; anything else is a finding. Checked: an
// accepted project writes itself back to JSON that parses to an equal project (and the same JSON);
// its references and rights are consistent; for every variable, the value text either encodes to
// exactly size() bytes that decode and encode again to the same bytes, or is refused.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "tap/project.hpp"
#include "tap/protocol_error.hpp"
#include "tap/value.hpp"

namespace {

using namespace tapmq::tap;

void check_project(const Project& p) {
    const std::string json = p.to_json();
    const Project again = Project::parse(json, "again.json");
    CHECK(again == p);
    CHECK(again.to_json() == json);
    for (const Variable& v : p.variables()) {
        CHECK(p.variable(v.id) == &v);
        CHECK(p.variable(v.name) == &v);
        CHECK(v.count >= 1 && v.size() <= 4096);
        CHECK(p.can_read(kAdminProfile, v.id) && p.can_write(kAdminProfile, v.id));
    }
    for (const Bundle& b : p.bundles()) {
        CHECK(!b.variable_ids.empty());
        for (auto id : b.variable_ids)
            CHECK(p.variable(id) != nullptr);
        for (const auto& r : b.rights) {
            CHECK(p.profile(r.profile_id) != nullptr);
            CHECK(r.read || r.write);
            for (auto id : b.variable_ids) {
                if (r.read) CHECK(p.can_read(r.profile_id, id));
                if (r.write) CHECK(p.can_write(r.profile_id, id));
            }
        }
    }
    for (const Profile& prof : p.profiles()) {
        CHECK(prof.password_hash.has_value() == (prof.id != kAnonymousProfile));
        for (auto id : p.readable_variables(prof.id))
            CHECK(p.can_read(prof.id, id));
    }
    for (const AlarmRule& a : p.alarms())
        CHECK(p.variable(a.variable_id) && p.variable(a.variable_id)->count == 1);
}

void check_value_text(const Variable& v, std::string_view text) {
    try {
        const std::string raw = parse_value(v, text);
        CHECK(raw.size() == v.size());
        const auto values = decode_value(v, raw);
        CHECK(values.size() == v.count);
        CHECK(encode_value(v, values) == raw);
        CHECK(!format_value(v, values).empty());
    } catch (const ProtocolError& e) {
        CHECK(e.code() == ResultCode::BadRequest);
        CHECK(std::string_view(e.what()).starts_with(v.name + ": "));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const std::string_view text = input.substr(0, nul);
    const std::string_view value = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
    try {
        const Project p = Project::parse(text, "fuzz.json");
        check_project(p);
        if (nul != std::string_view::npos) {
            for (const Variable& v : p.variables())
                check_value_text(v, value);
        }
    } catch (const ProjectError& e) {
        CHECK(e.source() == "fuzz.json");
        CHECK(std::string_view(e.what()).starts_with("fuzz.json: "));
        CHECK(e.pointer().empty() || e.pointer()[0] == '/');
    }
    // The same text as relay settings alone.
    try {
        const RelaySettings r = parse_relay_settings(text, "relay.json");
        CHECK(!check_relay_settings(r));
        CHECK(parse_relay_settings(relay_settings_to_json(r), "again.json") == r);
    } catch (const ProjectError& e) {
        CHECK(std::string_view(e.what()).starts_with("relay.json: "));
    }
    return 0;
}
