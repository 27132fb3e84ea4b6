// Object 3 (LwM2M Device): identity strings, reboot, current time.
#include <algorithm>

#include "objects.hpp"

namespace tapmq::relay::detail {

namespace {

Route text(std::string what, std::function<std::string(const ProcessorState&)> value) {
    return Route{kGet, anyone,
                 [value = std::move(value)](Call& c) {
                     expect_empty(c);
                     return content(value(c.s));
                 },
                 std::move(what)};
}

}  // namespace

std::optional<Route> route_device(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    switch (*path.resource) {
        case 0:
            return text("the manufacturer (/3//0)",
                        [](const ProcessorState& s) { return s.identity.manufacturer; });
        case 1:
            return text("the model (/3//1)", [](const ProcessorState& s) { return s.identity.model; });
        case 2:
            return text("the serial number (/3//2)",
                        [](const ProcessorState& s) { return s.identity.serial; });
        case 3:
            return text("the firmware version (/3//3)",
                        [](const ProcessorState& s) { return s.firmware.version(); });
        case 4:
            return Route{kPost, admin_only,
                         [](Call& c) {
                             expect_empty(c);
                             c.s.hooks.reboot();
                             return changed();
                         },
                         "reboot (/3//4)"};
        case 13:
            return Route{kGet, anyone,
                         [](Call& c) {
                             expect_empty(c);
                             auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                                             c.now.system.time_since_epoch())
                                             .count();
                             secs = std::clamp<std::int64_t>(secs, 0, 0xFFFFFFFF);
                             return content(u32_bytes(static_cast<std::uint32_t>(secs)));
                         },
                         "the current time (/3//13)"};
        default:
            return std::nullopt;
    }
}

}  // namespace tapmq::relay::detail
