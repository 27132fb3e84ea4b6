// Object 5 (LwM2M Firmware Update) over FirmwareUpdate (wire layouts in firmware_update.hpp):
// PUT //0 a package part, GET //0 the progress, POST //2 update, GET //3 state, GET //5 result.
// Reading is open to every profile; PUT and POST need admin. A verified update calls
// RelayHooks::firmware_installed.
#include "objects.hpp"

namespace tapmq::relay::detail {

namespace {

const char* explain(FirmwareUpdate::PartStatus s) {
    using P = FirmwareUpdate::PartStatus;
    switch (s) {
        case P::Accepted:
            return "";
        case P::Malformed:
            return "a firmware part is a start (40 bytes), u32 offset + data, or empty (cancel)";
        case P::NoDownload:
            return "no download started: send the start part first";
        case P::OutOfOrder:
            return "the part leaves a gap: resume from GET /5//0's next missing offset";
        case P::OutOfRange:
            return "the part ends after the total size, or the size is 0";
        case P::Inconsistent:
            return "the part differs from the bytes already received";
        case P::TooLarge:
            return "the package is larger than the Tap accepts";
        case P::NoSpace:
            return "the Tap ran out of storage while staging the package";
        case P::Busy:
            return "an update is in progress";
    }
    return "";
}

const char* explain(FirmwareUpdate::UpdateStatus s) {
    using U = FirmwareUpdate::UpdateStatus;
    switch (s) {
        case U::Restart:
            return "";
        case U::NothingDownloaded:
            return "no package downloaded";
        case U::Incomplete:
            return "the package is incomplete: resume from GET /5//0's next missing offset";
        case U::IntegrityFailure:
            return "the package does not match its size or SHA-256; it was discarded";
        case U::UnsupportedPackage:
            return "the package is not a tapmq firmware package; it was discarded";
        case U::Busy:
            return "an update is in progress";
    }
    return "";
}

tap::TapResponse package(Call& c) {
    if (c.request.method == tap::Method::Get) {
        expect_empty(c);
        auto p = c.s.firmware.progress();
        return content(std::string(reinterpret_cast<const char*>(p.data()), p.size()));
    }
    auto status = c.s.firmware.write_package(std::as_bytes(std::span<const char>(c.payload())));
    return answer(static_cast<tap::ResultCode>(tap_code(status)), explain(status));
}

tap::TapResponse update(Call& c) {
    expect_empty(c);
    auto status = c.s.firmware.update();
    if (status == FirmwareUpdate::UpdateStatus::Restart)
        c.s.hooks.firmware_installed(c.s.firmware.pending_version());
    return answer(static_cast<tap::ResultCode>(tap_code(status)), explain(status));
}

}  // namespace

std::optional<Route> route_firmware(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    switch (*path.resource) {
        case 0:
            return Route{kGet | kPut,
                         [](const Call& c) { return c.request.method == tap::Method::Get || c.admin(); },
                         package, "the firmware package (/5//0)"};
        case 2:
            return Route{kPost, admin_only, update, "the firmware update (/5//2)"};
        case 3:
            return Route{kGet, anyone,
                         [](Call& c) {
                             expect_empty(c);
                             return content(std::string(1, static_cast<char>(c.s.firmware.state())));
                         },
                         "the firmware state (/5//3)"};
        case 5:
            return Route{kGet, anyone,
                         [](Call& c) {
                             expect_empty(c);
                             return content(std::string(1, static_cast<char>(c.s.firmware.result())));
                         },
                         "the firmware result (/5//5)"};
        default:
            return std::nullopt;
    }
}

}  // namespace tapmq::relay::detail
