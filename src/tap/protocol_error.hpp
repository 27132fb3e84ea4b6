// The one error type of the Tap codec: a malformed or refused request, with the result code the
// requester should get (0x80 Bad Request for malformed frames).
#pragma once

#include <stdexcept>
#include <string>

#include "result_code.hpp"

namespace tapmq::tap {

class ProtocolError : public std::runtime_error {
  public:
    ProtocolError(ResultCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
    ResultCode code() const noexcept { return code_; }

  private:
    ResultCode code_;
};

[[noreturn]] inline void bad_request(const std::string& what) {
    throw ProtocolError(ResultCode::BadRequest, what);
}

}  // namespace tapmq::tap
