// Objects 1028 (bundles) and 1029 (variables): values read from and written to the target's memory
// at the project's addresses, checked against the project's types, limits and rights.
//   GET /1028/{bundle}/1   the bundle's variables' raw values concatenated in the bundle's order
//   GET /1029/{var}/4      one variable's raw value; PUT writes it (only a "rw" variable: else 0x85)
//   GET /1029//4           every variable the profile may read, in ascending id order, each as
//                          `u16 id ‖ u16 byte length ‖ raw value`
#include <algorithm>

#include "objects.hpp"
#include "tap/value.hpp"

namespace tapmq::relay::detail {

namespace {

// Reads one variable's raw bytes; false (with `failure` set) when the target refuses.
bool read_variable(ProcessorState& s, const tap::Variable& v, std::string& out, tap::TapResponse& failure) {
    std::string raw(v.size(), '\0');
    TargetError e = s.ensure_connected();
    if (!e) e = s.target.read_memory(v.address, std::as_writable_bytes(std::span<char>(raw)));
    if (e) {
        failure = target_failure(e);
        failure.data = v.name + ": " + failure.data;
        return false;
    }
    out += raw;
    return true;
}

std::string describe(const tap::Variable& v) {
    return v.name + " (/1029/" + std::to_string(v.id) + "/4)";
}

Route bundle_route(const tap::Bundle& b) {
    const std::uint16_t id = b.id;
    return Route{kGet, [id](const Call& c) { return c.project().can_read_bundle(c.profile, id); },
                 [id](Call& c) {
                     expect_empty(c);
                     std::string out;
                     tap::TapResponse failure;
                     for (std::uint16_t vid : c.project().bundle(id)->variable_ids) {
                         if (!read_variable(c.s, *c.project().variable(vid), out, failure)) return failure;
                     }
                     return content(std::move(out));
                 },
                 "bundle " + b.name + " (/1028/" + std::to_string(b.id) + "/1)"};
}

Route variable_route(const tap::Variable& var) {
    const std::uint16_t id = var.id;
    return Route{
        static_cast<std::uint8_t>(var.writable ? kGet | kPut : kGet),
        [id](const Call& c) {
            return c.request.method == tap::Method::Get ? c.project().can_read(c.profile, id)
                                                        : c.project().can_write(c.profile, id);
        },
        [id](Call& c) {
            const tap::Variable& v = *c.project().variable(id);
            if (c.request.method == tap::Method::Get) {
                expect_empty(c);
                std::string out;
                tap::TapResponse failure;
                if (!read_variable(c.s, v, out, failure)) return failure;
                return content(std::move(out));
            }
            if (c.payload().size() != v.size()) {
                tap::bad_request(v.name + ": a value is " + std::to_string(v.size()) + " bytes (" +
                                 std::string(tap::name(v.type)) +
                                 (v.count > 1 ? " × " + std::to_string(v.count) : std::string()) + "), " +
                                 std::to_string(c.payload().size()) + " given");
            }
            tap::check_value(v, c.payload());  // the type's range, min, max and choices (0x80)
            const std::string_view raw = c.payload();
            if (auto e = c.s.ensure_connected()) return target_failure(e);
            if (auto e = c.s.target.write_memory(v.address, std::as_bytes(std::span<const char>(raw))))
                return target_failure(e);
            return changed();
        },
        describe(var)};
}

tap::TapResponse readable_values(Call& c) {
    expect_empty(c);
    std::vector<std::uint16_t> ids = c.project().readable_variables(c.profile);
    std::sort(ids.begin(), ids.end());
    std::string out;
    tap::TapResponse failure;
    for (std::uint16_t id : ids) {
        const tap::Variable& v = *c.project().variable(id);
        out += u16_bytes(id);
        out += u16_bytes(static_cast<std::uint16_t>(v.size()));
        if (!read_variable(c.s, v, out, failure)) return failure;
    }
    return content(std::move(out));
}

}  // namespace

std::optional<Route> route_values(const ProcessorState& s, const tap::Path& path) {
    const tap::Project& project = *s.project;
    if (path.object == 1028) {
        if (!path.instance || path.resource != 1) return std::nullopt;
        const tap::Bundle* b = project.bundle(*path.instance);
        if (!b) return std::nullopt;
        return bundle_route(*b);
    }
    if (path.resource != 4) return std::nullopt;
    if (!path.instance) return Route{kGet, anyone, readable_values, "the readable variables (/1029//4)"};
    const tap::Variable* v = project.variable(*path.instance);
    if (!v) return std::nullopt;
    return variable_route(*v);
}

}  // namespace tapmq::relay::detail
