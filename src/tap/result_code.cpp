// Names of the Tap result codes.
#include "result_code.hpp"

#include <cstdio>

namespace tapmq::tap {

std::string_view name(ResultCode code) noexcept {
    using R = ResultCode;
    switch (code) {
        case R::Created:
            return "Created";
        case R::Deleted:
            return "Deleted";
        case R::Changed:
            return "Changed";
        case R::Content:
            return "Content";
        case R::Busy:
            return "Busy";
        case R::BadRequest:
            return "Bad Request";
        case R::Unauthorized:
            return "Unauthorized";
        case R::NotFound:
            return "Not Found";
        case R::MethodNotAllowed:
            return "Method Not Allowed";
        case R::NotAcceptable:
            return "Not Acceptable";
        case R::InternalError:
            return "Internal Error";
        case R::NotImplemented:
            return "Not Implemented";
        case R::ServiceUnavailable:
            return "Service Unavailable";
        case R::NvmError:
            return "NVM error";
        case R::TargetUnreachable:
            return "unable to connect to target";
        case R::TargetPowerFailure:
            return "target power failure";
        case R::NvmFull:
            return "NVM full";
        case R::TargetError:
            return "target protocol error: error";
        case R::TargetBusy:
            return "target protocol error: busy";
        case R::TargetReal:
            return "target protocol error: real";
        case R::TargetWrongParam:
            return "target protocol error: wrong param";
        case R::TargetForbidden:
            return "target protocol error: forbidden";
        case R::TargetData:
            return "target protocol error: data";
        case R::TargetParity:
            return "target protocol error: parity";
        case R::TargetLostCom:
            return "target protocol error: lost com";
        case R::TargetParam:
            return "target protocol error: param";
        case R::TargetInt:
            return "target protocol error: int";
        case R::TargetAbort:
            return "target protocol error: abort";
        case R::TargetNotImplemented:
            return "target protocol error: not implemented";
    }
    return "unknown";
}

bool is_known(ResultCode code) noexcept {
    return name(code) != "unknown";
}

std::string describe(ResultCode code) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X ", static_cast<unsigned>(code));
    return hex + std::string(name(code));
}

}  // namespace tapmq::tap
