// Where a request came from and where its answer goes (tap-protocol.md §5, "Correlation"): a
// request carrying an MQTT 5 Response Topic is answered there with its Correlation Data; otherwise
// on the resp topic matching the cmd topic it came on (<prefix>/cmd -> <prefix>/resp,
// <prefix>/cmd/<reply-id> -> <prefix>/resp/<reply-id>).
//
// The reply channel names the requester for two purposes: answers on one channel keep the order of
// its requests (one queue per channel), and, for unsealed requests, the login session (sealed ones
// are keyed by their sender id instead; see requester_key). Requests on the bare cmd topic without
// a Response Topic share one channel, as IoTize's relay does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/packets.hpp"
#include "tap/topics.hpp"

namespace tapmq::relay::runtime {

struct Intake {
    std::string reply_topic;
    std::optional<std::string> correlation_data;  // MQTT 5, copied from the request
    std::string channel;                          // "response-topic:<t>", "reply-id:<id>" or "cmd"
};

// nullopt: not a request this Tap answers (another topic, an invalid reply id, an invalid Response
// Topic).
std::optional<Intake> take_in(const tap::TapTopics& topics, const mqtt::Publish& p);

// The login session's key (CommandProcessor's `requester`): the sealed sender when sealed
// ("sender:0a0b0c0d"), else the channel, "" for the bare cmd topic (one session shared by all).
std::string requester_key(const Intake& in, std::optional<std::uint32_t> sealed_sender);

}  // namespace tapmq::relay::runtime
