// libFuzzer target for the Tap frame codec (src/tap/frame.cpp, path.cpp, password_hash.cpp): what a
// Tap reads from any requester on its cmd topic, and what a requester reads back.
//
// Input: [selector byte][bytes]. The selector picks what the bytes are decoded as: a request APDU, a
// response APDU, a bare TapRequest, a bare TapResponse, a text path, a login payload. ProtocolError
// with 0x80 (or 0x85 for a DELETE method byte) is how input is refused; any other exception, another
// code, a sanitizer report or a failed CHECK is a finding. Checked: decoding is strict, so whatever
// decodes encodes again to exactly the input; a decoded request survives the other wrapping too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "tap/frame.hpp"
#include "tap/password_hash.hpp"
#include "tap/path.hpp"
#include "tap/protocol_error.hpp"

namespace {

using namespace tapmq::tap;

void check_request(const TapRequest& req) {
    CHECK(decode_request(encode_request(req)) == req);
    CHECK(decode_apdu_request(encode_apdu_request(req)) == req);
    CHECK(Path::parse(req.path.to_string()) == req.path);
    CHECK(!describe(req).empty());
}

void decode(std::uint8_t selector, std::string_view v) {
    switch (selector % 6) {
        case 0: {
            const TapRequest req = decode_apdu_request(v);
            CHECK(encode_apdu_request(req) == v);
            check_request(req);
            break;
        }
        case 1: {
            const TapResponse resp = decode_apdu_response(v);
            CHECK(encode_apdu_response(resp) == v);
            CHECK(!name(resp.code).empty());
            break;
        }
        case 2: {
            const TapRequest req = decode_request(v);
            CHECK(encode_request(req) == v);
            check_request(req);
            break;
        }
        case 3: {
            const TapResponse resp = decode_response(v);
            CHECK(encode_response(resp) == v);
            CHECK(decode_apdu_response(encode_apdu_response(resp)) == resp);
            break;
        }
        case 4: {
            const Path p = Path::parse(v);
            CHECK(Path::parse(p.to_string()) == p);
            CHECK(Path::decode(p.encode()) == p);
            break;
        }
        default: {
            const LoginRequest login = decode_login(v);
            CHECK(encode_login(login) == v);
            CHECK(login.user.size() <= kUserFieldSize);
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string v(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        decode(data[0], v);
    } catch (const ProtocolError& e) {
        CHECK(e.code() == ResultCode::BadRequest || e.code() == ResultCode::MethodNotAllowed);
        CHECK(e.what()[0] != '\0');
    }
    return 0;
}
