// ctl firmware push: the package in resumable parts (/5//0), checked as Downloaded (/5//3), the
// update started (POST /5//2), then, once the Tap is back online, its result (/5//5) and firmware
// version (/3//3) reported.
#include <fstream>
#include <sstream>

#include "context.hpp"
#include "outcome.hpp"
#include "tap/object_model.hpp"
#include "upload.hpp"

namespace tapmq::cli::ctl {

namespace {

const char* result_name(unsigned r) {
    static const char* kNames[] = {"initial",
                                   "success",
                                   "not enough storage",
                                   "out of memory",
                                   "connection lost",
                                   "integrity check failure",
                                   "unsupported package type",
                                   "invalid URI",
                                   "update failed",
                                   "unsupported protocol"};
    return r < std::size(kNames) ? kNames[r] : "unknown";
}

unsigned read_u8(Context& c, const tap::Path& path, const std::string& what) {
    const auto r = c.tap.expect({tap::Method::Get, path, {}}, what);
    if (r.data.size() != 1)
        throw CtlError(kCtlTapError, what + ": " + std::to_string(r.data.size()) + " bytes, 1 expected");
    return static_cast<unsigned char>(r.data[0]);
}

}  // namespace

int ctl_firmware_push(Context& c) {
    std::ifstream in(c.args.file, std::ios::binary);
    if (!in) throw CtlError(kCtlBadInput, "cannot read " + c.args.file);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string package = ss.str();
    const std::string before =
        c.tap.expect({tap::Method::Get, tap::paths::kFirmwareVersion, {}}, "GET firmware version").data;
    upload_in_parts(c, tap::paths::kFirmwarePackage, package, c.args.part_size, "firmware push");
    const unsigned state = read_u8(c, tap::paths::kFirmwareState, "GET firmware state");
    if (state != 2) {
        throw CtlError(kCtlTapError, "the Tap's firmware state is " + std::to_string(state) +
                                         " after the upload, not 2 (downloaded)");
    }
    std::fprintf(c.out, "package verified by size; state downloaded\n");
    if (c.args.no_update) return kCtlOk;
    const std::string old_since = c.tap.status() ? c.tap.status()->since : "";
    const auto r = c.tap.call({tap::Method::Post, tap::paths::kFirmwareUpdate, {}});
    if (!tap::is_success(r.code)) {
        // The package was checked and refused: the result says why.
        const unsigned result = read_u8(c, tap::paths::kFirmwareResult, "GET firmware result");
        throw CtlError(exit_code_for(r.code) == kCtlRefused ? kCtlRefused : kCtlTapError,
                       "the update was refused: " + error_text(r, "update") + "; result " +
                           std::to_string(result) + " (" + result_name(result) + ")");
    }
    std::fprintf(c.out, "update started; waiting for %s to restart\n", c.tap.serial().c_str());
    std::fflush(c.out);
    // The Tap restarts: its status goes offline and comes back online with a new "since".
    const auto deadline = Session::Clock::now() + std::chrono::seconds(60);
    const bool back = c.session.run_until(
        [&] {
            const auto& s = c.tap.status();
            return s && s->online() && s->since != old_since;
        },
        deadline);
    if (!back) {
        if (c.session.interrupted()) throw CtlError(kCtlNetwork, "interrupted while waiting for the restart");
        throw CtlError(kCtlTimeout, "the Tap did not come back online within 60 s after the update started");
    }
    const unsigned result = read_u8(c, tap::paths::kFirmwareResult, "GET firmware result");
    const std::string after =
        c.tap.expect({tap::Method::Get, tap::paths::kFirmwareVersion, {}}, "GET firmware version").data;
    std::fprintf(c.out, "firmware %s -> %s: result %u (%s)\n", before.c_str(), after.c_str(), result,
                 result_name(result));
    return result == 1 ? kCtlOk : kCtlTapError;
}

}  // namespace tapmq::cli::ctl
