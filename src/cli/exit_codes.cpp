#include "exit_codes.hpp"

namespace tapmq::cli {

int exit_code_for(const client::Error& e) noexcept {
    using K = client::Error::Kind;
    switch (e.kind) {
        case K::None:
            return kExitOk;
        case K::Refused:
            return kExitRefused;
        case K::Timeout:
            return kExitTimeout;
        case K::Rejected:
            return kExitUsage;
        default:
            return kExitFailure;
    }
}

}  // namespace tapmq::cli
