// A bridge's topic table: Mosquitto's `topic pattern [[[out|in|both] qos] local_prefix remote_prefix]`
// lines, and the mapping of a topic between the local and the remote broker (as Mosquitto's
// bridge_topic.c and send_publish do it). Pure: no I/O, no logging.
//
// A line's local topic is local_prefix + pattern and its remote topic remote_prefix + pattern (the
// pattern "" stands for none: then both prefixes are required and are the whole topics). The
// bridge subscribes to the local topics of its `out`/`both` lines on the local broker and to the
// remote topics of its `in`/`both` lines on the remote one. A message is mapped by the first line
// of its direction whose topic (a filter) matches it: the one prefix is taken off, the other put on.
// A message that no line with a prefix matches keeps its topic (as Mosquitto).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapmq::broker::bridge {

enum class Direction : std::uint8_t { Out, In, Both };

struct BridgeTopic {
    std::string pattern;  // empty: "" (no pattern, the prefixes are the topics)
    Direction direction = Direction::Out;
    std::uint8_t qos = 0;
    std::optional<std::string> local_prefix;   // nullopt: none ("" in the file)
    std::optional<std::string> remote_prefix;  // nullopt: none
    std::string local_topic;                   // local_prefix + pattern: a filter on the local broker
    std::string remote_topic;                  // remote_prefix + pattern: a filter on the remote broker

    bool operator==(const BridgeTopic&) const = default;
    bool out() const noexcept { return direction != Direction::In; }
    bool in() const noexcept { return direction != Direction::Out; }
};

// Builds one line, with Mosquitto's checks; returns nullopt and sets `error` (a sentence) when the
// line is invalid: a prefix with a wildcard, prefix + pattern not a valid filter, "" without both
// prefixes, a pattern that is not a valid filter, qos above 2.
std::optional<BridgeTopic> make_topic(std::string_view pattern, Direction direction, std::uint8_t qos,
                                      std::optional<std::string_view> local_prefix,
                                      std::optional<std::string_view> remote_prefix, std::string& error);

class TopicMap {
  public:
    TopicMap() = default;
    explicit TopicMap(std::vector<BridgeTopic> topics) : topics_(std::move(topics)) {}

    const std::vector<BridgeTopic>& topics() const noexcept { return topics_; }

    // A local message's topic on the remote broker.
    std::string to_remote(std::string_view local_topic) const;
    // A remote message's topic on the local broker.
    std::string to_local(std::string_view remote_topic) const;

  private:
    std::vector<BridgeTopic> topics_;
};

}  // namespace tapmq::broker::bridge
