// libFuzzer target for the store's record decoding (src/persist/codec.cpp): what tapmqd reads back
// from its RocksDB store at start-up, where a damaged disk can put any bytes.
//
// Input: [selector byte][bytes]. The selector's low bits pick the record kind the bytes are decoded as
// (or a key to parse); with its high bit set, the last four bytes are first replaced by the checksum
// of the rest, so that the fuzzer explores what lies behind the CRC check too. DecodeError is how bad input
// is refused; any other exception, a sanitizer report or a failed CHECK is a finding. Checked: whatever
// decodes encodes again to bytes that decode to the same record (queue entries of value versions 1 and 2
// come back as version 3, holding the same fields).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "persist/codec.hpp"
#include "persist/crc32c.hpp"

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::detail;

void decode(std::uint8_t selector, std::string_view v) {
    switch (selector % 8) {
        case 0: {
            const StoredMessage m = decode_message(v);
            CHECK(decode_message(encode_message(m)) == m);
            break;
        }
        case 1: {
            const StoredSession s = decode_session(v);
            CHECK(decode_session(encode_session(s)) == s);
            break;
        }
        case 2: {
            const SubscriptionValue s = decode_subscription(v);
            const SubscriptionValue again = decode_subscription(encode_subscription(s.options, s.identifier));
            CHECK(again.options == s.options && again.identifier == s.identifier);
            break;
        }
        case 3: {
            const StoredOutgoing o = decode_outgoing(v);
            CHECK(!(o.message && o.message_id != 0));
            CHECK(!(o.message && o.message->id != 0));
            CHECK(decode_outgoing(encode_outgoing(o)) == o);
            break;
        }
        case 4:
            decode_incoming_qos2(v);
            break;
        case 5: {
            const StoredWill w = decode_will(v);
            CHECK(decode_will(encode_will(w)) == w);
            break;
        }
        case 6: {
            const std::uint32_t f = decode_format(v);
            CHECK(decode_format(encode_format(f)) == f);
            break;
        }
        default: {
            const ParsedKey k = parse_key(v);
            CHECK(k.kind == static_cast<Kind>(v.front()));
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string v(reinterpret_cast<const char*>(data) + 1, size - 1);
    if ((data[0] & 0x80) != 0 && v.size() >= 5) {
        const std::uint32_t crc = crc32c(v.data(), v.size() - 4);
        for (std::size_t i = 0; i < 4; ++i)
            v[v.size() - 4 + i] = static_cast<char>((crc >> (8 * (3 - i))) & 0xff);
    }
    try {
        decode(data[0], v);
    } catch (const DecodeError&) {
        // refused, as it should be
    }
    return 0;
}
