// Names of the target result codes, for log lines.
#include "target.hpp"

namespace tapmq::relay {

const char* to_string(TargetCode c) noexcept {
    switch (c) {
        case TargetCode::Ok:
            return "ok";
        case TargetCode::UnableToConnect:
            return "unable to connect to target";
        case TargetCode::PowerFailure:
            return "target power failure";
        case TargetCode::ProtocolError:
            return "target protocol error";
        case TargetCode::Busy:
            return "target busy";
        case TargetCode::Real:
            return "target real-time error";
        case TargetCode::WrongParam:
            return "target wrong parameter";
        case TargetCode::Forbidden:
            return "target access forbidden";
        case TargetCode::Data:
            return "target data error";
        case TargetCode::Parity:
            return "target parity error";
        case TargetCode::LostCom:
            return "target communication lost";
        case TargetCode::Param:
            return "target parameter error";
        case TargetCode::Int:
            return "target interrupt error";
        case TargetCode::Abort:
            return "target operation aborted";
        case TargetCode::NotImplemented:
            return "target operation not implemented";
    }
    return "unknown target error";
}

}  // namespace tapmq::relay
