// TapRequest / TapResponse (tap-protocol.md §1) and their APDU wrapping, both directions.
//
// Request APDU:  A2 ‖ INS ‖ 00 00 ‖ Lc ‖ TapRequest      INS = CA for GET, DA for PUT and POST
// Response APDU: TapResponse ‖ 90 00
//
// Lc (our decision, the spec's Lc is one byte): a TapRequest of up to 255 bytes takes the short
// form, one byte. A longer one (firmware parts, configuration) takes ISO 7816-4's extended form,
// `00 ‖ u16 length`: a short Lc is never 0 because a TapRequest is at least 7 bytes, so the 00 is
// unambiguous. A TapRequest is therefore at most 65535 bytes. Decoding is strict so that every
// accepted APDU has exactly one encoding: the extended form for 255 bytes or fewer, an Lc that
// disagrees with the bytes that follow (including a trailing Le) and an INS that does not match the
// method are all refused with 0x80 Bad Request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "path.hpp"
#include "result_code.hpp"

namespace tapmq::tap {

enum class Method : std::uint8_t { Get = 0x01, Post = 0x02, Put = 0x03 };

std::string_view name(Method m) noexcept;  // "GET", "POST", "PUT"

inline constexpr std::size_t kRequestHeaderSize = 7;  // method + path
inline constexpr std::size_t kMaxRequestSize = 0xFFFF;
inline constexpr std::size_t kMaxShortLc = 0xFF;
inline constexpr std::uint8_t kApduClass = 0xA2;
inline constexpr std::uint8_t kInsGet = 0xCA;
inline constexpr std::uint8_t kInsPutPost = 0xDA;

struct TapRequest {
    Method method = Method::Get;
    Path path;
    std::string payload;  // bytes; GET may carry one too (login steps)

    bool operator==(const TapRequest&) const = default;
};

struct TapResponse {
    ResultCode code = ResultCode::Content;
    std::string data;  // bytes

    bool operator==(const TapResponse&) const = default;
};

// Bare TapRequest: u8 method ‖ u16 object ‖ u16 instance ‖ u16 resource ‖ payload.
std::string encode_request(const TapRequest& request);
// Throws ProtocolError: 0x80 when shorter than 7 bytes or the method byte is not 1..3, except 0x04
// (CoAP DELETE, which Tap does not have): 0x85 Method Not Allowed.
TapRequest decode_request(std::string_view bytes);

// Bare TapResponse: u8 code ‖ data. Any code byte is kept. Throws ProtocolError(0x80) when empty.
std::string encode_response(const TapResponse& response);
TapResponse decode_response(std::string_view bytes);

// Request APDU. Encoding throws ProtocolError(0x80) for a TapRequest over 65535 bytes.
std::string encode_apdu_request(const TapRequest& request);
TapRequest decode_apdu_request(std::string_view apdu);

// Response APDU: TapResponse ‖ 90 00. Decoding refuses (0x80) fewer than 3 bytes or another status word.
std::string encode_apdu_response(const TapResponse& response);
TapResponse decode_apdu_response(std::string_view apdu);

// "GET /1024//9 (0 bytes)": for logs.
std::string describe(const TapRequest& request);

}  // namespace tapmq::tap
