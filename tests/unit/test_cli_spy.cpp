// The spy's pieces on recorded frames: decoding (plain, sealed with the spec's test vectors, wrong
// netkey, no netkey), pairing and round trips, the unanswered alerts and the silent-Tap line,
// --record lines and -F.
#include <gtest/gtest.h>

#include "spy/decoder.hpp"
#include "spy/format.hpp"
#include "spy/recorder.hpp"
#include "spy/tracker.hpp"
#include "tap/hex.hpp"
#include "tap/object_model.hpp"
#include "tap/sensor_demo.hpp"

using namespace tapmq::cli::spy;
using namespace tapmq::tap;

namespace {

const std::string kSerial = "IoTzPr004100000000";
const std::string kPrefix = "IOTIZE_DEV/" + kSerial + "_DEV";
// tap-protocol.md §5's vectors: GET /1024//9 sealed to the Tap, and its answer.
const std::string kSealedRequest =
    "01000102030400000000000000016553F10084AA7C1C642DD98835A60811510E1842785C173D1AD02C85F3BBB704";
const std::string kSealedResponse =
    "0101A0B0C0D000000000000000076553F10151E5FDCD9862E3FA5AEF631093B4F1B2D9FF2F0CE94D5F02FA5B9FBAAAD0";
constexpr std::int64_t kT = 1'700'000'000'000'000;

std::string bytes(const std::string& hex) {
    return from_hex(hex).value();
}

Message msg(std::int64_t t, const std::string& topic, std::string payload) {
    Message m;
    m.time_us = t;
    m.topic = topic;
    m.payload = std::move(payload);
    m.qos = 1;
    return m;
}

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

}  // namespace

TEST(SpyDecoder, PlainRequestsAndResponsesWithNames) {
    Decoder d("IOTIZE_DEV/{serial}_DEV", std::nullopt, sensor_demo_project());
    auto req = d.decode(
        msg(kT, kPrefix + "/cmd/ctl-1", encode_apdu_request({Method::Get, paths::variable_value(4), {}})));
    ASSERT_TRUE(req.where);
    EXPECT_EQ(req.where->serial, kSerial);
    EXPECT_EQ(req.text, "GET /1029/4/4 (Period)");
    auto resp =
        d.decode(msg(kT, kPrefix + "/resp/ctl-1", encode_apdu_response({ResultCode::Content, be32(500)})));
    EXPECT_EQ(resp.text, "0x45 Content 000001F4");  // untyped until paired
    auto status = d.decode(msg(kT, kPrefix + "/status", R"({"state":"offline","reason":"connection lost"})"));
    EXPECT_EQ(status.text, "offline (connection lost)");
    auto data = d.decode(
        msg(kT, kPrefix + "/data", R"({"bundle":"Count_Status","values":{"Count":42,"LEDStatus":1}})"));
    EXPECT_EQ(data.text, "Count_Status Count=42 LEDStatus=1");
    auto other = d.decode(msg(kT, "elsewhere/x", std::string("\x00\x01", 2)));
    EXPECT_FALSE(other.where);
    EXPECT_EQ(other.text, "hex 0001");
    auto junk = d.decode(msg(kT, kPrefix + "/cmd", "hello"));
    EXPECT_TRUE(junk.error);
}

TEST(SpyDecoder, SealedFramesOpenWithTheNetkeyOrSayWhyNot) {
    Decoder with("IOTIZE_DEV/{serial}_DEV", std::string("testnetkey"), sensor_demo_project());
    auto req = with.decode(msg(kT, kPrefix + "/cmd", bytes(kSealedRequest)));
    ASSERT_TRUE(req.sealed);
    EXPECT_TRUE(req.sealed->opened);
    EXPECT_EQ(req.sealed->sender, 0x01020304u);
    EXPECT_EQ(req.sealed->counter, 1u);
    EXPECT_EQ(req.text, "GET /1024//9 (application name)");
    auto resp = with.decode(msg(kT, kPrefix + "/resp", bytes(kSealedResponse)));
    ASSERT_TRUE(resp.response);
    EXPECT_EQ(resp.response->data, "Sensor_demo");

    Decoder without("IOTIZE_DEV/{serial}_DEV", std::nullopt, sensor_demo_project());
    auto shown = without.decode(msg(kT, kPrefix + "/cmd", bytes(kSealedRequest)));
    EXPECT_FALSE(shown.error);
    EXPECT_EQ(shown.text, "sealed frame from 01020304 #1, 12 bytes: no netkey given");

    Decoder wrong("IOTIZE_DEV/{serial}_DEV", std::string("other"), sensor_demo_project());
    auto bad = wrong.decode(msg(kT, kPrefix + "/cmd", bytes(kSealedRequest)));
    EXPECT_TRUE(bad.error);
    EXPECT_NE(bad.text.find("does not open with the netkey"), std::string::npos) << bad.text;
    // The right key on the wrong topic: the topic is authenticated too.
    auto moved = with.decode(msg(kT, kPrefix + "/cmd/x", bytes(kSealedRequest)));
    EXPECT_TRUE(moved.error);
}

TEST(SpyTracker, PairsResponsesAndTypesTheirValues) {
    Decoder d("IOTIZE_DEV/{serial}_DEV", std::nullopt, sensor_demo_project());
    Tracker t(d, 5'000'000, 3);
    auto req = d.decode(
        msg(kT, kPrefix + "/cmd/ctl-1", encode_apdu_request({Method::Get, paths::variable_value(4), {}})));
    EXPECT_TRUE(t.on_event(req).empty());
    auto resp = d.decode(
        msg(kT + 1500, kPrefix + "/resp/ctl-1", encode_apdu_response({ResultCode::Content, be32(500)})));
    t.on_event(resp);
    ASSERT_TRUE(resp.rtt_us);
    EXPECT_EQ(*resp.rtt_us, 1500);
    EXPECT_EQ(resp.text, "0x45 Content 500");
    EXPECT_EQ(resp.answers, "GET /1029/4/4 (Period)");
    EXPECT_EQ(format_event(resp, {}),
              "22:13:20.001 IoTzPr004100000000 resp   0x45 Content 500  (GET /1029/4/4 (Period), 1.500 ms)  "
              "[ctl-1]");
    // MQTT 5: the Response Topic and Correlation Data pair two requests on one cmd topic.
    auto a = msg(kT, kPrefix + "/cmd", encode_apdu_request({Method::Get, paths::variable_value(1), {}}));
    a.response_topic = kPrefix + "/resp/r";
    a.correlation = "A";
    auto b = a;
    b.payload = encode_apdu_request({Method::Get, paths::variable_value(4), {}});
    b.correlation = "B";
    auto ea = d.decode(a);
    auto eb = d.decode(b);
    t.on_event(ea);
    t.on_event(eb);
    auto rb = msg(kT + 10, kPrefix + "/resp/r", encode_apdu_response({ResultCode::Content, be32(7)}));
    rb.correlation = "B";
    auto erb = d.decode(rb);
    t.on_event(erb);
    EXPECT_EQ(erb.answers, "GET /1029/4/4 (Period)");
    EXPECT_EQ(t.taps().at(kSerial).responses, 2u);
}

TEST(SpyTracker, UnansweredRequestsAndTheSilentTapLine) {
    Decoder d("IOTIZE_DEV/{serial}_DEV", std::nullopt, sensor_demo_project());
    Tracker t(d, 5'000'000, 3);
    auto st = d.decode(msg(kT, kPrefix + "/status", R"({"state":"offline","since":"2023-11-14T22:00:00Z"})"));
    t.on_event(st);
    for (int i = 0; i < 4; ++i) {
        auto r = d.decode(msg(kT + i * 1'000'000, kPrefix + "/cmd",
                              encode_apdu_request({Method::Get, paths::kApplicationName, {}})));
        t.on_event(r);
    }
    auto alerts = t.tick(kT + 5'500'000);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].kind, "unanswered");
    EXPECT_EQ(alerts[0].text, "no response in 5 s to GET /1024//9 (application name) sent 22:13:20");
    alerts = t.tick(kT + 8'500'000);
    ASSERT_EQ(alerts.size(), 4u);
    EXPECT_EQ(alerts[3].kind, "silent");
    EXPECT_EQ(alerts[3].text, kSerial +
                                  ": 4 commands, no response in 8.5 s; status offline since 22:00:00: the "
                                  "Tap is not connected to the broker");
    EXPECT_EQ(t.taps().at(kSerial).unanswered, 4u);
    EXPECT_NE(t.summary().find(kSerial), std::string::npos);
    EXPECT_EQ(percentile({1, 2, 3, 4, 100}, 50), 3);
    EXPECT_EQ(percentile({1, 2, 3, 4, 100}, 99), 100);
}

TEST(SpyRecorder, LinesRoundTripAndBadLinesAreRefused) {
    Message m = msg(kT, kPrefix + "/cmd", std::string("\xA2\x00", 2));
    m.response_topic = "r";
    m.correlation = std::string("\x00\x01", 2);
    EXPECT_EQ(parse_record_line(record_line(m)), m);
    EXPECT_THROW(parse_record_line("{}"), std::invalid_argument);
    EXPECT_THROW(parse_record_line(R"({"time_us":1,"topic":"t","payload_hex":"zz"})"), std::invalid_argument);
    EXPECT_THROW(parse_record_line("not json"), std::invalid_argument);
}

TEST(SpyFormat, MosquittoStyleFormat) {
    Decoder d("IOTIZE_DEV/{serial}_DEV", std::nullopt, sensor_demo_project());
    auto e =
        d.decode(msg(kT, kPrefix + "/cmd", encode_apdu_request({Method::Get, paths::variable_value(4), {}})));
    EXPECT_EQ(apply_format("%s %k %d|%l|%q|%r|%%|\\t", e),
              kSerial + " cmd GET /1029/4/4 (Period)|12|1|0|%|\t");
    EXPECT_EQ(apply_format("%I %U", e), "2023-11-14T22:13:20.000000Z 1700000000.000000");
    EXPECT_EQ(event_json(e)["request"]["path"], "/1029/4/4");
}
