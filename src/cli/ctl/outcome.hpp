// The exit statuses of `tapmq ctl` (documented in docs/tap.md) and the error that carries one, with
// the sentence for the user, out of any command. Pure.
#pragma once

#include <stdexcept>
#include <string>

#include "tap/frame.hpp"

namespace tapmq::cli::ctl {

enum CtlExit : int {
    kCtlOk = 0,
    kCtlNetwork = 1,   // the broker cannot be reached, or the connection was lost
    kCtlBadInput = 2,  // bad command line, a value the project refuses, a bad file, or the Tap's 0x80
    kCtlBroker = 3,    // the broker refused (CONNACK, SUBACK)
    kCtlTimeout = 4,   // no answer from the Tap in time (the message says why, from its status)
    kCtlNotFound = 5,  // no such variable, bundle or resource (in the project, or 0x84 from the Tap)
    kCtlRefused = 6,   // the Tap refused: 0x81 (profile rights, login, wrong netkey), 0x85, 0x86
    kCtlTapError = 7,  // the Tap or its target failed: 0xA0.., 0xB0.., a firmware update that failed
};

class CtlError : public std::runtime_error {
  public:
    CtlError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }

  private:
    int code_;
};

// The exit status for an error answer: 0x80 bad input, 0x84 not found, 0x81/0x85/0x86 refused,
// anything else (a success code included, when a command expected another) a Tap error.
int exit_code_for(tap::ResultCode code) noexcept;

// "refused: 0x81 Unauthorized (anonymous may not PUT the variable Period)": the code, and the
// Tap's explanation when the answer carried one as text. `what` ("PUT Period") is used when it did not.
std::string error_text(const tap::TapResponse& response, const std::string& what);

// Throws CtlError(exit_code_for(code), error_text(...)) unless the response is a success.
void expect_success(const tap::TapResponse& response, const std::string& what);

}  // namespace tapmq::cli::ctl
