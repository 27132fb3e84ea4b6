// Exit statuses and error sentences of `tapmq ctl`.
#include "outcome.hpp"

namespace tapmq::cli::ctl {

int exit_code_for(tap::ResultCode code) noexcept {
    using R = tap::ResultCode;
    switch (code) {
        case R::BadRequest:
            return kCtlBadInput;
        case R::NotFound:
            return kCtlNotFound;
        case R::Unauthorized:
        case R::MethodNotAllowed:
        case R::NotAcceptable:
            return kCtlRefused;
        default:
            return kCtlTapError;
    }
}

std::string error_text(const tap::TapResponse& response, const std::string& what) {
    std::string why;
    bool text = !response.data.empty();
    for (unsigned char c : response.data)
        if (c < 0x20 || c == 0x7F) text = false;
    why = text ? response.data : what;
    const char* head = "failed";
    switch (exit_code_for(response.code)) {
        case kCtlRefused:
            head = "refused";
            break;
        case kCtlNotFound:
            head = "not found";
            break;
        case kCtlBadInput:
            head = "bad request";
            break;
        default:
            break;
    }
    std::string out = std::string(head) + ": " + tap::describe(response.code);
    if (!why.empty()) out += " (" + why + ")";
    return out;
}

void expect_success(const tap::TapResponse& response, const std::string& what) {
    if (tap::is_success(response.code)) return;
    throw CtlError(exit_code_for(response.code), error_text(response, what));
}

}  // namespace tapmq::cli::ctl
