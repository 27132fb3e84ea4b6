// A variable's value: its raw big-endian bytes on the wire (/1029/{id}/4, /1028/{id}/1) to and from
// numbers, text and JSON, with the checks a write must pass (element count, type range, integers for
// integer types, min/max, choices). Shared by the control centre and the relay, so both refuse the
// same values with the same words.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "project.hpp"

namespace tapmq::tap {

// Raw bytes -> one double per element (exact for every type). Throws ProtocolError(0x80) unless
// raw holds exactly v.size() bytes.
std::vector<double> decode_value(const Variable& v, std::string_view raw);

// Numbers -> raw bytes. Throws ProtocolError(0x80) naming the variable when the count differs from
// v.count, or an element is not finite, not an integer for an integer type, outside the type's range,
// below min, above max, or not one of the choices.
std::string encode_value(const Variable& v, const std::vector<double>& values);

// Raw bytes as a requester wrote them (PUT /1029/{id}/4): throws ProtocolError(0x80) naming the
// variable unless they are exactly v.size() bytes holding values encode_value would accept.
void check_value(const Variable& v, std::string_view raw);

// Text -> raw bytes, checked as encode_value. Accepts JSON (a number, true/false, a label, an array
// of those) and plain text: comma-separated numbers ("1, 2, 3", "0x1F" for integer types) or labels
// (a choice's label; on_text / off_text, or "on" / "off" for a switch).
std::string parse_value(const Variable& v, std::string_view text);
std::string encode_json_value(const Variable& v, const nlohmann::json& value);

// "25.5" (float32 shortest), "1000", "[1, 2, 3]" for several elements.
std::string format_value(const Variable& v, const std::vector<double>& values);
// A number for one element, an array for several; non-finite values become null.
nlohmann::json value_to_json(const Variable& v, const std::vector<double>& values);
// The label of a value: a choice's, or on_text / off_text (or "on" / "off") for a switch.
std::optional<std::string> label_of(const Variable& v, double value);

// Splits a bundle's concatenated values (/1028/{id}/1) into one raw value per variable, in the
// bundle's order. Throws ProtocolError(0x80) unless the sizes add up exactly.
std::vector<std::string> split_bundle_values(const Project& project, const Bundle& bundle,
                                             std::string_view raw);

}  // namespace tapmq::tap
