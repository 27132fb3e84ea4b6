// TapRequest / TapResponse encoding and the APDU wrapping (see frame.hpp for the Lc decision).
#include "frame.hpp"

#include <cstdio>

#include "bytes.hpp"
#include "protocol_error.hpp"

namespace tapmq::tap {

namespace {

std::string hex2(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
    return buf;
}

std::uint8_t ins_for(Method m) {
    return m == Method::Get ? kInsGet : kInsPutPost;
}

}  // namespace

std::string_view name(Method m) noexcept {
    switch (m) {
        case Method::Get:
            return "GET";
        case Method::Post:
            return "POST";
        case Method::Put:
            return "PUT";
    }
    return "unknown";
}

std::string encode_request(const TapRequest& request) {
    std::string out;
    out.reserve(kRequestHeaderSize + request.payload.size());
    detail::put_u8(out, static_cast<std::uint8_t>(request.method));
    request.path.encode_to(out);
    out += request.payload;
    return out;
}

TapRequest decode_request(std::string_view bytes) {
    if (bytes.size() < kRequestHeaderSize) {
        bad_request("TapRequest of " + std::to_string(bytes.size()) + " bytes (at least 7: method and path)");
    }
    detail::Reader r(bytes);
    const std::uint8_t method = r.u8("method");
    if (method == 0x04) {
        throw ProtocolError(ResultCode::MethodNotAllowed, "method DELETE (0x04) does not exist on a Tap");
    }
    if (method < 0x01 || method > 0x03) bad_request("unknown method " + hex2(method));
    TapRequest req;
    req.method = static_cast<Method>(method);
    req.path = Path::decode(r.bytes(kPathSize, "path"));
    req.payload = std::string(r.rest());
    return req;
}

std::string encode_response(const TapResponse& response) {
    std::string out;
    out.reserve(1 + response.data.size());
    detail::put_u8(out, static_cast<std::uint8_t>(response.code));
    out += response.data;
    return out;
}

TapResponse decode_response(std::string_view bytes) {
    if (bytes.empty()) bad_request("empty TapResponse (a result code is needed)");
    return TapResponse{static_cast<ResultCode>(static_cast<std::uint8_t>(bytes[0])),
                       std::string(bytes.substr(1))};
}

std::string encode_apdu_request(const TapRequest& request) {
    const std::size_t size = kRequestHeaderSize + request.payload.size();
    if (size > kMaxRequestSize) {
        bad_request("TapRequest of " + std::to_string(size) + " bytes does not fit an APDU (65535 at most)");
    }
    std::string out;
    out.reserve(8 + size);
    detail::put_u8(out, kApduClass);
    detail::put_u8(out, ins_for(request.method));
    detail::put_u16(out, 0x0000);
    if (size <= kMaxShortLc) {
        detail::put_u8(out, static_cast<std::uint8_t>(size));
    } else {
        detail::put_u8(out, 0x00);
        detail::put_u16(out, static_cast<std::uint16_t>(size));
    }
    out += encode_request(request);
    return out;
}

TapRequest decode_apdu_request(std::string_view apdu) {
    detail::Reader r(apdu);
    const std::uint8_t cla = r.u8("APDU class");
    if (cla != kApduClass) bad_request("APDU class " + hex2(cla) + " (0xA2 expected)");
    const std::uint8_t ins = r.u8("APDU instruction");
    if (ins != kInsGet && ins != kInsPutPost) {
        bad_request("APDU instruction " + hex2(ins) + " (0xCA or 0xDA expected)");
    }
    const std::uint16_t p1p2 = r.u16("APDU P1 P2");
    if (p1p2 != 0) bad_request("APDU P1 P2 not 00 00");
    std::size_t lc = r.u8("APDU Lc");
    if (lc == 0) {
        lc = r.u16("APDU extended Lc");
        if (lc <= kMaxShortLc) {
            bad_request("APDU extended Lc of " + std::to_string(lc) + " (the short form is used up to 255)");
        }
    }
    if (r.remaining() != lc) {
        bad_request("APDU Lc says " + std::to_string(lc) + " bytes, " + std::to_string(r.remaining()) +
                    " follow");
    }
    TapRequest req = decode_request(r.rest());
    if (ins != ins_for(req.method)) {
        bad_request("APDU instruction " + hex2(ins) + " does not match method " +
                    std::string(name(req.method)));
    }
    return req;
}

std::string encode_apdu_response(const TapResponse& response) {
    std::string out = encode_response(response);
    detail::put_u16(out, 0x9000);
    return out;
}

TapResponse decode_apdu_response(std::string_view apdu) {
    if (apdu.size() < 3) {
        bad_request("response APDU of " + std::to_string(apdu.size()) +
                    " bytes (at least 3: code and 90 00)");
    }
    const auto sw1 = static_cast<std::uint8_t>(apdu[apdu.size() - 2]);
    const auto sw2 = static_cast<std::uint8_t>(apdu[apdu.size() - 1]);
    if (sw1 != 0x90 || sw2 != 0x00) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "response APDU status word %02X %02X (90 00 expected)", sw1, sw2);
        bad_request(buf);
    }
    return decode_response(apdu.substr(0, apdu.size() - 2));
}

std::string describe(const TapRequest& request) {
    return std::string(name(request.method)) + " " + request.path.to_string() + " (" +
           std::to_string(request.payload.size()) + " bytes)";
}

}  // namespace tapmq::tap
