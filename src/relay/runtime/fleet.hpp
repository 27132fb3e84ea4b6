// `tapmq tap --fleet N`: the serial numbers of a fleet, derived from the first one. The trailing
// decimal digits of SN count up, keeping their width (zero-padded): IoTzPr0041 gives IoTzPr0041,
// IoTzPr0042, ...; digits that run out grow by one (99 -> 100). A serial without trailing digits
// gets them: TAP gives TAP0000, TAP0001, ... (width 4, or more when N needs it).
#pragma once

#include <string>
#include <vector>

namespace tapmq::relay::runtime {

// Throws std::invalid_argument when n is 0.
std::vector<std::string> fleet_serials(const std::string& first, std::size_t n);

// A seed for a Tap's simulated target from its serial (FNV-1a), so each Tap of a fleet differs and
// the same serial always gives the same board.
std::uint64_t seed_of(const std::string& serial) noexcept;

}  // namespace tapmq::relay::runtime
