// Variable byte integers (spec 1.5.5), the byte reader/writer primitives and the UTF-8 rules (spec 1.5.4).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/byte_reader.hpp"
#include "mqtt/byte_writer.hpp"
#include "mqtt/decoder.hpp"
#include "mqtt/utf8.hpp"
#include "test_util.hpp"

namespace tapmq::mqtt {
namespace {

using test::bytes;

struct VarIntCase {
    std::uint32_t value;
    std::string encoded;
};

// The boundary values of spec 3.1.1 table 2.4 / MQTT 5 table 1-1.
std::vector<VarIntCase> varint_cases() {
    return {
        {0, bytes({0x00})},
        {1, bytes({0x01})},
        {127, bytes({0x7F})},
        {128, bytes({0x80, 0x01})},
        {321, bytes({0xC1, 0x02})},
        {16'383, bytes({0xFF, 0x7F})},
        {16'384, bytes({0x80, 0x80, 0x01})},
        {2'097'151, bytes({0xFF, 0xFF, 0x7F})},
        {2'097'152, bytes({0x80, 0x80, 0x80, 0x01})},
        {268'435'455, bytes({0xFF, 0xFF, 0xFF, 0x7F})},
    };
}

TEST(VarInt, WriterProducesSpecBytes) {
    for (const auto& c : varint_cases()) {
        SCOPED_TRACE(c.value);
        std::string buf(4, '\xAA');
        ByteWriter w(buf.data(), buf.size());
        w.varint(c.value);
        EXPECT_EQ(static_cast<std::size_t>(w.position() - buf.data()), c.encoded.size());
        EXPECT_EQ(buf.substr(0, c.encoded.size()), c.encoded);
        EXPECT_EQ(varint_size(c.value), c.encoded.size());
    }
}

TEST(VarInt, ReaderDecodesSpecBytes) {
    for (const auto& c : varint_cases()) {
        SCOPED_TRACE(c.value);
        std::string data = c.encoded + "tail";
        ByteReader r(data);
        EXPECT_EQ(r.varint(), c.value);
        EXPECT_EQ(r.rest(), "tail");
    }
}

TEST(VarInt, MatchesTestBuilder) {
    for (const auto& c : varint_cases())
        EXPECT_EQ(test::vbi(c.value), c.encoded) << c.value;
}

TEST(VarInt, SizeBoundaries) {
    EXPECT_EQ(varint_size(0), 1u);
    EXPECT_EQ(varint_size(127), 1u);
    EXPECT_EQ(varint_size(128), 2u);
    EXPECT_EQ(varint_size(16'383), 2u);
    EXPECT_EQ(varint_size(16'384), 3u);
    EXPECT_EQ(varint_size(2'097'151), 3u);
    EXPECT_EQ(varint_size(2'097'152), 4u);
    EXPECT_EQ(varint_size(kMaxVarInt), 4u);
}

TEST(VarInt, FiveBytesIsMalformed) {
    for (const auto& data : {bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), bytes({0x80, 0x80, 0x80, 0x80, 0x01}),
                             bytes({0x80, 0x80, 0x80, 0x80, 0x00})}) {
        ByteReader r(data);
        try {
            r.varint();
            ADD_FAILURE() << "no throw for " << hex(data);
        } catch (const ProtocolError& e) {
            EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
        }
    }
}

TEST(VarInt, TruncatedIsMalformed) {
    for (const auto& data : {std::string(), bytes({0x80}), bytes({0xFF, 0xFF, 0xFF})}) {
        ByteReader r(data);
        try {
            r.varint();
            ADD_FAILURE() << "no throw for " << hex(data);
        } catch (const ProtocolError& e) {
            EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
        }
    }
}

TEST(VarInt, FixedHeaderRemainingLengthBoundaries) {
    for (const auto& c : varint_cases()) {
        SCOPED_TRACE(c.value);
        std::string data = std::string(1, '\x30') + c.encoded;
        auto h = parse_fixed_header(data, kMaxPacketSize);
        ASSERT_TRUE(h.has_value());
        EXPECT_EQ(h->first_byte, 0x30);
        EXPECT_EQ(h->type(), PacketType::Publish);
        EXPECT_EQ(h->flags(), 0);
        EXPECT_EQ(h->remaining_length, c.value);
        EXPECT_EQ(h->header_size, 1 + c.encoded.size());
        EXPECT_EQ(h->packet_size(), 1 + c.encoded.size() + c.value);
    }
}

TEST(VarInt, FixedHeaderIncompleteLength) {
    // While the continuation bit says more length bytes follow, the header is incomplete.
    for (const auto& data : {std::string(), bytes({0x30}), bytes({0x30, 0x80}), bytes({0x30, 0xFF, 0xFF}),
                             bytes({0x30, 0xFF, 0xFF, 0xFF})}) {
        EXPECT_FALSE(parse_fixed_header(data, kMaxPacketSize).has_value()) << hex(data);
    }
}

TEST(VarInt, FixedHeaderFiveByteLengthIsMalformed) {
    auto data = bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
    try {
        parse_fixed_header(data, kMaxPacketSize);
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
    }
    // Four continuation bytes followed by a fifth byte, even a terminating one.
    auto data2 = bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x00});
    EXPECT_THROW(parse_fixed_header(data2, kMaxPacketSize), ProtocolError);
}

TEST(ByteReaderWriter, FixedWidthIntegers) {
    std::string buf(7, '\0');
    ByteWriter w(buf.data(), buf.size());
    w.u8(0xAB);
    w.u16(0x1234);
    w.u32(0xDEADBEEF);
    EXPECT_EQ(w.remaining(), 0u);
    EXPECT_EQ(buf, bytes({0xAB, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF}));

    ByteReader r(buf);
    EXPECT_EQ(r.u8(), 0xAB);
    EXPECT_EQ(r.u16(), 0x1234);
    EXPECT_EQ(r.u32(), 0xDEADBEEFu);
    EXPECT_TRUE(r.empty());
    EXPECT_THROW(r.u8(), ProtocolError);
}

TEST(ByteReaderWriter, PrefixedStringAndBinary) {
    std::string buf(2 + 3 + 2 + 0, '\0');
    ByteWriter w(buf.data(), buf.size());
    w.prefixed("a/b");
    w.prefixed("");
    EXPECT_EQ(buf, bytes({0x00, 0x03, 'a', '/', 'b', 0x00, 0x00}));
    ByteReader r(buf);
    auto s = r.utf8();
    EXPECT_EQ(s, "a/b");
    EXPECT_EQ(s.data(), buf.data() + 2);  // a view into the buffer, not a copy
    EXPECT_EQ(r.binary(), "");
    EXPECT_TRUE(r.empty());
}

TEST(ByteReaderWriter, TruncatedReadsAreMalformed) {
    auto expect_malformed = [](auto&& f) {
        try {
            f();
            ADD_FAILURE() << "no throw";
        } catch (const ProtocolError& e) {
            EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
        }
    };
    std::string one = bytes({0x01});
    expect_malformed([&] { ByteReader(one).u16(); });
    std::string three = bytes({0x01, 0x02, 0x03});
    expect_malformed([&] { ByteReader(three).u32(); });
    expect_malformed([&] { ByteReader(three).bytes(4); });
    std::string short_str = bytes({0x00, 0x05, 'a', 'b'});
    expect_malformed([&] { ByteReader(short_str).utf8(); });
    expect_malformed([&] { ByteReader(short_str).binary(); });
    expect_malformed([&] { ByteReader(one).binary(); });
}

TEST(ByteReaderWriter, Utf8RejectsInvalidButBinaryAccepts) {
    std::string data = bytes({0x00, 0x02, 0xC0, 0x80});
    try {
        ByteReader(data).utf8();
        ADD_FAILURE() << "no throw";
    } catch (const ProtocolError& e) {
        EXPECT_EQ(e.code(), ReasonCode::MalformedPacket);
    }
    ByteReader r(data);
    EXPECT_EQ(r.binary(), bytes({0xC0, 0x80}));
}

// ---- UTF-8 ----

TEST(Utf8, ValidStrings) {
    const std::vector<std::string> valid = {
        "",
        "abc",
        "sport/tennis/player1",
        bytes({0x41, 0xF0, 0xAA, 0x9B, 0x94}),  // "A" U+2A6D4, the example of spec 1.5.4
        bytes({0x01}),                          // control characters are allowed (only U+0000 is not)
        bytes({0x7F}),
        bytes({0xC2, 0x80}),                                // U+0080, smallest 2-byte
        bytes({0xDF, 0xBF}),                                // U+07FF, largest 2-byte
        bytes({0xE0, 0xA0, 0x80}),                          // U+0800, smallest 3-byte
        bytes({0xED, 0x9F, 0xBF}),                          // U+D7FF, just below the surrogates
        bytes({0xEE, 0x80, 0x80}),                          // U+E000, just above the surrogates
        bytes({0xEF, 0xBB, 0xBF}),                          // U+FEFF (BOM) is a character like any other
        bytes({0xEF, 0xBF, 0xBF}),                          // U+FFFF
        bytes({0xF0, 0x90, 0x80, 0x80}),                    // U+10000, smallest 4-byte
        bytes({0xF4, 0x8F, 0xBF, 0xBF}),                    // U+10FFFF, largest code point
        "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",  // "été € 😀"
    };
    for (const auto& s : valid)
        EXPECT_TRUE(is_valid_mqtt_utf8(s)) << hex(s);
}

TEST(Utf8, InvalidStrings) {
    const std::vector<std::string> invalid = {
        bytes({0x00}),                                // U+0000
        bytes({'a', 0x00, 'b'}),                      // U+0000 in the middle
        bytes({0xC0, 0x80}),                          // overlong U+0000
        bytes({0xC1, 0xBF}),                          // overlong U+007F
        bytes({0xE0, 0x80, 0x80}),                    // overlong 3-byte
        bytes({0xE0, 0x9F, 0xBF}),                    // overlong U+07FF
        bytes({0xF0, 0x80, 0x80, 0x80}),              // overlong 4-byte
        bytes({0xF0, 0x8F, 0xBF, 0xBF}),              // overlong U+FFFF
        bytes({0xED, 0xA0, 0x80}),                    // U+D800, high surrogate
        bytes({0xED, 0xAF, 0xBF}),                    // U+DBFF
        bytes({0xED, 0xB0, 0x80}),                    // U+DC00, low surrogate
        bytes({0xED, 0xBF, 0xBF}),                    // U+DFFF
        bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}),  // CESU-8 surrogate pair
        bytes({0xF4, 0x90, 0x80, 0x80}),              // U+110000
        bytes({0xF5, 0x80, 0x80, 0x80}),              // lead byte beyond U+10FFFF
        bytes({0xF7, 0xBF, 0xBF, 0xBF}),
        bytes({0xF8, 0x88, 0x80, 0x80, 0x80}),        // 5-byte form
        bytes({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}),  // 6-byte form
        bytes({0xFE}),
        bytes({0xFF}),
        bytes({0x80}),  // lone continuation byte
        bytes({0xBF}),
        bytes({'a', 0x80, 'b'}),
        bytes({0xC2}),  // truncated 2-byte
        bytes({'a', 0xC2}),
        bytes({0xE0, 0xA0}),        // truncated 3-byte
        bytes({0xF0, 0x90, 0x80}),  // truncated 4-byte
        bytes({0xF0, 0x90}),
        bytes({0xC2, 'a'}),  // continuation missing
        bytes({0xE0, 0xA0, 'a'}),
        bytes({0xF0, 0x90, 0x80, 'a'}),
        bytes({0xC2, 0xC2, 0x80}),
    };
    for (const auto& s : invalid)
        EXPECT_FALSE(is_valid_mqtt_utf8(s)) << hex(s);
}

TEST(Utf8, EveryPositionInLongStrings) {
    // ASCII runs are checked 8 bytes at a time: a NUL, a stray continuation byte or a valid
    // multi-byte character must be judged right wherever it falls, in a word or in the tail.
    for (std::size_t length = 1; length <= 40; ++length) {
        const std::string ascii(length, 'a');
        ASSERT_TRUE(is_valid_mqtt_utf8(ascii)) << length;
        for (std::size_t at = 0; at < length; ++at) {
            std::string s = ascii;
            s[at] = '\0';
            ASSERT_FALSE(is_valid_mqtt_utf8(s)) << "NUL at " << at << " of " << length;
            s[at] = static_cast<char>(0x80);
            ASSERT_FALSE(is_valid_mqtt_utf8(s)) << "0x80 at " << at << " of " << length;
            s[at] = static_cast<char>(0x7F);  // DEL is allowed (only U+0000 is forbidden)
            ASSERT_TRUE(is_valid_mqtt_utf8(s)) << "0x7F at " << at << " of " << length;
            if (at + 1 < length) {
                s = ascii;
                s[at] = static_cast<char>(0xC3);  // U+00E9
                s[at + 1] = static_cast<char>(0xA9);
                ASSERT_TRUE(is_valid_mqtt_utf8(s)) << "U+00E9 at " << at << " of " << length;
            }
        }
    }
}

TEST(Utf8, EveryTwoByteLeadAndContinuation) {
    // Exhaustive over two-byte sequences: valid exactly when the lead is C2..DF and the second byte
    // is a continuation byte.
    for (unsigned a = 0x80; a <= 0xFF; ++a) {
        for (unsigned b = 0; b <= 0xFF; ++b) {
            std::string s = bytes({a, b});
            bool expected = a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
            ASSERT_EQ(is_valid_mqtt_utf8(s), expected) << hex(s);
        }
    }
}

TEST(Utf8, EveryThreeByteCodePoint) {
    // Encode every code point U+0800..U+FFFF as 3 bytes: valid unless it is a surrogate.
    for (std::uint32_t cp = 0x800; cp <= 0xFFFF; ++cp) {
        std::string s = bytes({0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)});
        bool expected = cp < 0xD800 || cp > 0xDFFF;
        ASSERT_EQ(is_valid_mqtt_utf8(s), expected) << std::hex << cp;
    }
}

}  // namespace
}  // namespace tapmq::mqtt
