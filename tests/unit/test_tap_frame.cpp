// TapRequest / TapResponse and their APDUs: the spec's vector, both Lc forms, and every malformed
// frame answered with the right code.
#include <gtest/gtest.h>

#include "tap/frame.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;
using test::error_of;

TEST(TapFrame, SpecVector) {
    const std::string apdu = bytes("A2CA000007010400FFFF0009");
    const TapRequest req = decode_apdu_request(apdu);
    EXPECT_EQ(req.method, Method::Get);
    EXPECT_EQ(req.path.to_string(), "/1024//9");
    EXPECT_TRUE(req.payload.empty());
    EXPECT_EQ(encode_apdu_request(TapRequest{Method::Get, Path::parse("/1024//9"), ""}), apdu);
    EXPECT_EQ(describe(req), "GET /1024//9 (0 bytes)");
}

TEST(TapFrame, PutAndPostUseDA) {
    const TapRequest put{Method::Put, Path{1029, 4, 4}, bytes("0000000A")};
    EXPECT_EQ(encode_apdu_request(put), bytes("A2DA00000B03040500040004") + bytes("0000000A"));
    EXPECT_EQ(decode_apdu_request(encode_apdu_request(put)), put);
    const TapRequest post{Method::Post, Path{1024, std::nullopt, 1}, ""};
    EXPECT_EQ(encode_apdu_request(post), bytes("A2DA000007020400FFFF0001"));
    EXPECT_EQ(decode_apdu_request(encode_apdu_request(post)), post);
    // GET may carry a body.
    const TapRequest get{Method::Get, Path{1024, std::nullopt, 0}, "body"};
    EXPECT_EQ(decode_apdu_request(encode_apdu_request(get)), get);
}

TEST(TapFrame, LcBoundaries) {
    for (std::size_t payload : {0u, 1u, 248u, 249u, 250u, 1000u, 65528u}) {
        const TapRequest req{Method::Put, Path{5, std::nullopt, 0}, std::string(payload, 'x')};
        const std::string apdu = encode_apdu_request(req);
        const std::size_t size = 7 + payload;
        if (size <= 255) {
            ASSERT_EQ(apdu.size(), 5 + size);
            EXPECT_EQ(static_cast<unsigned char>(apdu[4]), size);
        } else {
            ASSERT_EQ(apdu.size(), 7 + size);
            EXPECT_EQ(apdu[4], '\0');
            EXPECT_EQ((static_cast<unsigned char>(apdu[5]) << 8) | static_cast<unsigned char>(apdu[6]), size);
        }
        EXPECT_EQ(decode_apdu_request(apdu), req) << payload;
    }
    // 65535 bytes of TapRequest is the most an APDU holds.
    error_of([] { encode_apdu_request(TapRequest{Method::Put, Path{}, std::string(65529, 'x')}); });
}

TEST(TapFrame, MalformedRequestApdus) {
    const std::string good = bytes("A2CA000007010400FFFF0009");
    for (std::size_t n = 0; n < good.size(); ++n) {
        error_of([&] { decode_apdu_request(good.substr(0, n)); });  // every truncation
    }
    EXPECT_NE(error_of([] { decode_apdu_request(bytes("00CA000007010400FFFF0009")); }).find("class 0x00"),
              std::string::npos);
    EXPECT_NE(
        error_of([] { decode_apdu_request(bytes("A2B0000007010400FFFF0009")); }).find("instruction 0xB0"),
        std::string::npos);
    EXPECT_NE(error_of([] { decode_apdu_request(bytes("A2CA010007010400FFFF0009")); }).find("P1 P2"),
              std::string::npos);
    // INS DA with GET, INS CA with PUT.
    EXPECT_NE(error_of([] { decode_apdu_request(bytes("A2DA000007010400FFFF0009")); }).find("does not match"),
              std::string::npos);
    error_of([] { decode_apdu_request(bytes("A2CA000007030400FFFF0009")); });
    // Lc too large, too small, trailing Le.
    error_of([] { decode_apdu_request(bytes("A2CA000008010400FFFF0009")); });
    error_of([] { decode_apdu_request(bytes("A2CA000006010400FFFF0009")); });
    EXPECT_NE(error_of([] { decode_apdu_request(bytes("A2CA000007010400FFFF000900")); }).find("Lc says 7"),
              std::string::npos);
    // Extended Lc for a short request: not canonical.
    EXPECT_NE(
        error_of([] { decode_apdu_request(bytes("A2CA0000000007010400FFFF0009")); }).find("extended Lc"),
        std::string::npos);
    // Lc below 7 consistent with the bytes: too short for a TapRequest.
    error_of([] { decode_apdu_request(bytes("A2CA000003010400")); });
    // Methods: 0, 4 (DELETE: Method Not Allowed), 0xFF.
    error_of([] { decode_apdu_request(bytes("A2CA000007000400FFFF0009")); });
    error_of([] { decode_apdu_request(bytes("A2DA000007040400FFFF0009")); }, ResultCode::MethodNotAllowed);
    error_of([] { decode_apdu_request(bytes("A2DA000007FF0400FFFF0009")); });
}

TEST(TapFrame, Responses) {
    const TapResponse r{ResultCode::Content, "Sensor_demo"};
    const std::string apdu = encode_apdu_response(r);
    EXPECT_EQ(apdu, bytes("45") + "Sensor_demo" + bytes("9000"));
    EXPECT_EQ(decode_apdu_response(apdu), r);
    EXPECT_EQ(encode_apdu_response(TapResponse{ResultCode::Unauthorized, ""}), bytes("819000"));
    EXPECT_EQ(decode_apdu_response(bytes("819000")).code, ResultCode::Unauthorized);
    // Any code byte is kept.
    EXPECT_EQ(decode_apdu_response(bytes("77AB9000")), (TapResponse{static_cast<ResultCode>(0x77), "\xAB"}));

    error_of([] { decode_apdu_response(""); });
    error_of([] { decode_apdu_response(bytes("9000")); });
    EXPECT_NE(error_of([] { decode_apdu_response(bytes("456A82")); }).find("status word 6A 82"),
              std::string::npos);
    error_of([] { decode_response(""); });
    EXPECT_EQ(decode_response(bytes("44")), (TapResponse{ResultCode::Changed, ""}));
}

TEST(TapFrame, BareRequests) {
    const TapRequest req{Method::Post, Path{3, std::nullopt, 4}, "xyz"};
    EXPECT_EQ(encode_request(req), bytes("020003FFFF0004") + "xyz");
    EXPECT_EQ(decode_request(encode_request(req)), req);
    error_of([] { decode_request(bytes("020003FFFF00")); });
}

}  // namespace
}  // namespace tapmq::tap
