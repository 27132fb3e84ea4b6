// The paths of the Tap object model (tap-protocol.md §2), by name, so that the relay, the command
// line and the tests spell them one way.
#pragma once

#include <cstdint>
#include <optional>

#include "path.hpp"

namespace tapmq::tap::paths {

// Device (LwM2M object 3).
inline constexpr Path kManufacturer{3, std::nullopt, 0};
inline constexpr Path kModel{3, std::nullopt, 1};
inline constexpr Path kSerialNumber{3, std::nullopt, 2};
inline constexpr Path kFirmwareVersion{3, std::nullopt, 3};
inline constexpr Path kReboot{3, std::nullopt, 4};        // POST
inline constexpr Path kCurrentTime{3, std::nullopt, 13};  // u32 Unix seconds

// Interface (object 1024).
inline constexpr Path kLogin{1024, std::nullopt, 0};   // POST user[16] ‖ hash[16]
inline constexpr Path kLogout{1024, std::nullopt, 1};  // POST
inline constexpr Path kCurrentProfile{1024, std::nullopt, 2};
inline constexpr Path kApplicationName{1024, std::nullopt, 9};
inline constexpr Path kConfigVersion{1024, std::nullopt, 10};
inline constexpr Path kRelayBrokerHost{1024, std::nullopt, 50};
inline constexpr Path kRelayBrokerPort{1024, std::nullopt, 51};
inline constexpr Path kRelayClientId{1024, std::nullopt, 52};
inline constexpr Path kRelayUsername{1024, std::nullopt, 53};
inline constexpr Path kRelayPassword{1024, std::nullopt, 54};
inline constexpr Path kRelayNetkey{1024, std::nullopt, 55};  // write needs admin
inline constexpr Path kRelayTopicPrefix{1024, std::nullopt, 58};
inline constexpr Path kMultiCommand{1024, std::nullopt, 89};  // POST

// Target (object 1027).
inline constexpr Path kTargetConnect{1027, std::nullopt, 3};
inline constexpr Path kTargetDisconnect{1027, std::nullopt, 4};
inline constexpr Path kTargetMemory{1027, std::nullopt, 33};  // u32 address ‖ u32 word count ‖ u8 word size

// Bundles (1028) and variables (1029).
constexpr Path bundle_values(std::uint16_t bundle_id) {
    return Path{1028, bundle_id, 1};
}
constexpr Path variable_value(std::uint16_t variable_id) {
    return Path{1029, variable_id, 4};
}
inline constexpr Path kReadableValues{1029, std::nullopt, 4};  // every variable the profile may read

// Datalog (1031).
inline constexpr Path kDatalogCount{1031, std::nullopt, 10};
inline constexpr Path kDatalogDequeue{1031, std::nullopt, 11};

// Firmware update (LwM2M object 5).
inline constexpr Path kFirmwarePackage{5, std::nullopt, 0};
inline constexpr Path kFirmwareUpdate{5, std::nullopt, 2};
inline constexpr Path kFirmwareState{5, std::nullopt, 3};
inline constexpr Path kFirmwareResult{5, std::nullopt, 5};

}  // namespace tapmq::tap::paths
