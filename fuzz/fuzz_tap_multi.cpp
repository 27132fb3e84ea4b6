// libFuzzer target for multi-command payloads and replies (src/tap/multi_command.cpp): the payload of
// a POST /1024//89 comes from any requester.
//
// Input: [selector byte][bytes]; an even selector decodes the bytes as a multi-command payload, an
// odd one as the reply data. ProtocolError (0x80, or 0x85 for an item with a DELETE method byte) is
// how input is refused; anything else is a finding. Checked: whatever decodes encodes again to
// exactly the input, and every item's request stands alone as an APDU.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "tap/multi_command.hpp"
#include "tap/protocol_error.hpp"

namespace {

using namespace tapmq::tap;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string v(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        if (data[0] % 2 == 0) {
            const auto items = decode_multi_command(v);
            CHECK(!items.empty());
            CHECK(encode_multi_command(items) == v);
            for (const auto& item : items) {
                CHECK(decode_apdu_request(encode_apdu_request(item.request)) == item.request);
            }
        } else {
            const auto replies = decode_multi_response(v);
            CHECK(encode_multi_response(replies) == v);
        }
    } catch (const ProtocolError& e) {
        CHECK(e.code() == ResultCode::BadRequest || e.code() == ResultCode::MethodNotAllowed);
        const std::string_view what = e.what();
        CHECK(what.starts_with("multi-command ") || what == "empty multi-command");
    }
    return 0;
}
