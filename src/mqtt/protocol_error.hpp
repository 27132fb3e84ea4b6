// The one error type the codec throws: a protocol violation with the reason code the peer should get.
#pragma once

#include <stdexcept>
#include <string>

#include "reason_code.hpp"

namespace tapmq::mqtt {

class ProtocolError : public std::runtime_error {
  public:
    ProtocolError(ReasonCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
    ReasonCode code() const noexcept { return code_; }

  private:
    ReasonCode code_;
};

[[noreturn]] inline void malformed(const char* what) {
    throw ProtocolError(ReasonCode::MalformedPacket, what);
}
[[noreturn]] inline void protocol_error(const char* what) {
    throw ProtocolError(ReasonCode::ProtocolError, what);
}

}  // namespace tapmq::mqtt
