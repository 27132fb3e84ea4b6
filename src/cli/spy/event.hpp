// One message the spy saw (Message: what the broker delivered, or a line of a --record file) and
// what it means (SpyEvent: decoded by decoder.cpp, paired by tracker.cpp, printed by format.cpp),
// and the alerts the tracker raises (a request with no answer, a Tap that keeps not answering).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "tap/frame.hpp"
#include "tap/topic_parse.hpp"

namespace tapmq::cli::spy {

struct Message {
    std::int64_t time_us = 0;  // Unix time of arrival, microseconds
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
    std::optional<std::string> response_topic;  // MQTT 5
    std::optional<std::string> correlation;

    bool operator==(const Message&) const = default;
};

struct Sealed {
    std::uint32_t sender = 0;
    std::uint64_t counter = 0;
    std::uint32_t time = 0;
    bool opened = false;
    std::string problem;  // why it was not opened: "no netkey given", "does not open: wrong netkey?"...
};

struct SpyEvent {
    Message msg;
    std::optional<tap::TopicInfo> where;  // nullopt: not a Tap topic
    std::optional<Sealed> sealed;
    std::optional<tap::TapRequest> request;    // a cmd frame decoded
    std::optional<tap::TapResponse> response;  // a resp frame decoded
    std::string text;               // the line's body: "GET /1029/4/4 (Period)", "0x45 Content 500", ...
    nlohmann::ordered_json detail;  // --json: what was decoded (request, response, data, status...)
    bool error = false;             // an error response, a frame that does not decode or open
    // Filled by the tracker for a response:
    std::optional<std::int64_t> rtt_us;
    std::string answers;  // the paired request, described
    std::string channel;  // the pairing channel of a request or response
};

struct Alert {
    std::int64_t time_us = 0;
    std::string serial;
    std::string kind;  // "unanswered" (one request), "silent" (a Tap's requests keep going unanswered)
    std::string text;
};

}  // namespace tapmq::cli::spy
