#include "error.hpp"

#include <cstdio>

namespace tapmq::client {

const Error& Error::success() noexcept {
    static const Error ok{};
    return ok;
}

Error Error::refused(mqtt::ReasonCode rc, std::string what) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(rc));
    what += ": ";
    what += mqtt::to_string(rc);
    what += " (";
    what += code;
    what += ")";
    return Error{Kind::Refused, rc, std::move(what)};
}

const char* to_string(Error::Kind k) noexcept {
    switch (k) {
        case Error::Kind::None:
            return "none";
        case Error::Kind::Resolve:
            return "resolve";
        case Error::Kind::Network:
            return "network";
        case Error::Kind::Timeout:
            return "timeout";
        case Error::Kind::Refused:
            return "refused";
        case Error::Kind::Disconnected:
            return "disconnected";
        case Error::Kind::Protocol:
            return "protocol";
        case Error::Kind::Closed:
            return "closed";
        case Error::Kind::Rejected:
            return "rejected";
    }
    return "unknown";
}

}  // namespace tapmq::client
