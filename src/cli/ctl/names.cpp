// Variables and bundles by name or id, with the error that lists what the project has.
#include <charconv>

#include "context.hpp"
#include "outcome.hpp"

namespace tapmq::cli::ctl {

namespace {

std::optional<std::uint16_t> as_id(const std::string& text) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v > 65534) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

}  // namespace

const tap::Variable& find_variable(const tap::Project& project, const std::string& text) {
    const tap::Variable* v = project.variable(text);
    if (!v) {
        if (auto id = as_id(text)) v = project.variable(*id);
    }
    if (v) return *v;
    std::string known;
    for (const auto& x : project.variables())
        known += (known.empty() ? "" : ", ") + x.name;
    throw CtlError(kCtlNotFound, "no variable \"" + text + "\" in project " + project.application().name +
                                     " (it has " + known + "; give --project for another)");
}

const tap::Bundle& find_bundle(const tap::Project& project, const std::string& text) {
    const tap::Bundle* b = project.bundle(text);
    if (!b) {
        if (auto id = as_id(text)) b = project.bundle(*id);
    }
    if (b) return *b;
    std::string known;
    for (const auto& x : project.bundles())
        known += (known.empty() ? "" : ", ") + x.name;
    throw CtlError(kCtlNotFound, "no bundle \"" + text + "\" in project " + project.application().name +
                                     " (it has " + known + ")");
}

}  // namespace tapmq::cli::ctl
