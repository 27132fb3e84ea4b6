// Multi-command payloads and replies: round trips, the exact layout, and malformed payloads.
#include <gtest/gtest.h>

#include "tap/multi_command.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;
using test::error_of;

TEST(TapMultiCommand, Layout) {
    const std::vector<MultiCommandItem> items{
        {TapRequest{Method::Get, Path{1024, std::nullopt, 9}, ""}, ResultCode::Content},
        {TapRequest{Method::Put, Path{1029, 4, 4}, bytes("000003E8")}, ResultCode::Changed},
    };
    const std::string payload = encode_multi_command(items);
    EXPECT_EQ(payload, bytes("0007"
                             "010400FFFF0009"
                             "45"
                             "000B"
                             "03040500040004000003E8"
                             "44"));
    EXPECT_EQ(decode_multi_command(payload), items);
    EXPECT_EQ(kMultiCommandPath.to_string(), "/1024//89");
}

TEST(TapMultiCommand, Replies) {
    const std::vector<TapResponse> replies{{ResultCode::Content, "Sensor_demo"},
                                           {ResultCode::Unauthorized, ""}};
    const std::string data = encode_multi_response(replies);
    EXPECT_EQ(data, bytes("000C45") + "Sensor_demo" + bytes("000181"));
    EXPECT_EQ(decode_multi_response(data), replies);
    EXPECT_TRUE(decode_multi_response("").empty());
}

TEST(TapMultiCommand, Malformed) {
    error_of([] { decode_multi_command(""); });
    error_of([] { decode_multi_command(bytes("00")); });
    EXPECT_NE(error_of([] { decode_multi_command(bytes("0006010400FFFF00")); }).find("item 1: length 6"),
              std::string::npos);
    // len runs past the end; missing expected code.
    error_of([] { decode_multi_command(bytes("0008010400FFFF0009")); });
    EXPECT_NE(error_of([] { decode_multi_command(bytes("0007010400FFFF0009")); }).find("expected code"),
              std::string::npos);
    // Second item broken: the message names it.
    EXPECT_NE(error_of([] {
                  decode_multi_command(
                      bytes("0007010400FFFF000945"
                            "0007"));
              }).find("item 2:"),
              std::string::npos);
    // An item with DELETE answers Method Not Allowed, like a lone request.
    error_of([] { decode_multi_command(bytes("0007040400FFFF000945")); }, ResultCode::MethodNotAllowed);

    error_of([] { decode_multi_response(bytes("0000")); });
    error_of([] { decode_multi_response(bytes("000245")); });
    error_of([] { decode_multi_response(bytes("00")); });
}

TEST(TapMultiCommand, EveryTruncationRefused) {
    const std::string payload = encode_multi_command({
        {TapRequest{Method::Get, Path{3, std::nullopt, 2}, ""}, ResultCode::Content},
        {TapRequest{Method::Post, Path{1024, std::nullopt, 0}, std::string(32, 'u')}, ResultCode::Changed},
    });
    for (std::size_t n = 0; n < payload.size(); ++n) {
        const std::string cut = payload.substr(0, n);
        if (n == 10) {
            EXPECT_EQ(decode_multi_command(cut).size(), 1u);  // exactly one whole item
            continue;
        }
        error_of([&] { decode_multi_command(cut); });
    }
}

}  // namespace
}  // namespace tapmq::tap
