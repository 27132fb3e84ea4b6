// Tap result codes (tap-protocol.md §1): CoAP numbering (class << 5 | detail) plus IoTize's vendor
// codes. The first byte of every TapResponse; success when bit 7 is 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tapmq::tap {

// A response may carry any byte; values outside this list are kept as they are and named "unknown".
enum class ResultCode : std::uint8_t {
    Created = 0x41,
    Deleted = 0x42,
    Changed = 0x44,
    Content = 0x45,
    Busy = 0x46,
    BadRequest = 0x80,
    Unauthorized = 0x81,
    NotFound = 0x84,
    MethodNotAllowed = 0x85,
    NotAcceptable = 0x86,
    InternalError = 0xA0,
    NotImplemented = 0xA1,
    ServiceUnavailable = 0xA3,
    NvmError = 0xA4,
    TargetUnreachable = 0xA5,  // "unable to connect to target"
    TargetPowerFailure = 0xA6,
    NvmFull = 0xA7,
    TargetError = 0xB0,  // 0xB0..0xBB: the target's debug protocol failed
    TargetBusy = 0xB1,
    TargetReal = 0xB2,
    TargetWrongParam = 0xB3,
    TargetForbidden = 0xB4,
    TargetData = 0xB5,
    TargetParity = 0xB6,
    TargetLostCom = 0xB7,
    TargetParam = 0xB8,
    TargetInt = 0xB9,
    TargetAbort = 0xBA,
    TargetNotImplemented = 0xBB,
};

// "Content", "Bad Request", "target protocol error: busy"; "unknown" for a byte not listed above.
std::string_view name(ResultCode code) noexcept;

// True for the codes listed above.
bool is_known(ResultCode code) noexcept;

// Success when bit 7 is 0 (tap-protocol.md §1), whether or not the code is listed.
constexpr bool is_success(ResultCode code) noexcept {
    return (static_cast<std::uint8_t>(code) & 0x80) == 0;
}

// "0x45 Content", "0x99 unknown": for logs and the command line.
std::string describe(ResultCode code);

}  // namespace tapmq::tap
