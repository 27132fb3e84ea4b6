#include "topic_map.hpp"

#include "mqtt/topic.hpp"

namespace tapmq::broker::bridge {

namespace {

// Mosquitto's mosquitto_pub_topic_check without the empty string: no '+' or '#'.
bool valid_prefix(std::string_view p) {
    return p.find_first_of("+#") == std::string_view::npos;
}

// One direction of the mapping: the first line of that direction with a prefix whose `from` topic
// matches swaps `from_prefix` for `to_prefix`.
template <class FromTopic, class FromPrefix, class ToPrefix, class Wanted>
std::string map(const std::vector<BridgeTopic>& topics, std::string_view topic, FromTopic from_topic,
                FromPrefix from_prefix, ToPrefix to_prefix, Wanted wanted) {
    for (const auto& t : topics) {
        if (!wanted(t) || (!t.local_prefix && !t.remote_prefix)) continue;
        if (!mqtt::topic_matches(from_topic(t), topic)) continue;
        std::string_view rest = topic;
        if (const auto& p = from_prefix(t); p && rest.starts_with(*p)) rest.remove_prefix(p->size());
        std::string out;
        if (const auto& p = to_prefix(t)) out = *p;
        out += rest;
        return out;
    }
    return std::string(topic);
}

}  // namespace

std::optional<BridgeTopic> make_topic(std::string_view pattern, Direction direction, std::uint8_t qos,
                                      std::optional<std::string_view> local_prefix,
                                      std::optional<std::string_view> remote_prefix, std::string& error) {
    if (qos > 2) {
        error = "QoS " + std::to_string(qos) + " is not 0, 1 or 2";
        return std::nullopt;
    }
    if (pattern.empty() && (!local_prefix || !remote_prefix)) {
        error = "the pattern \"\" needs both a local and a remote prefix (they are then the whole topics)";
        return std::nullopt;
    }
    if (!pattern.empty() && !mqtt::is_valid_topic_filter(pattern)) {
        // Appended piece by piece: GCC 12's -Wrestrict misfires at -O3 on a concatenation here.
        std::string why(1, '\'');
        why += pattern;
        why += "' is not a valid topic filter";
        error = std::move(why);
        return std::nullopt;
    }
    BridgeTopic t;
    t.pattern = std::string(pattern);
    t.direction = direction;
    t.qos = qos;
    const auto prefix = [&](std::optional<std::string_view> p, const char* side,
                            std::optional<std::string>& field, std::string& topic) {
        if (!p) {
            topic = t.pattern;
            return true;
        }
        if (!valid_prefix(*p)) {
            error = std::string("the ") + side + " prefix '" + std::string(*p) + "' contains a wildcard";
            return false;
        }
        topic = std::string(*p) + t.pattern;
        if (!mqtt::is_valid_topic_filter(topic)) {
            error = std::string("the ") + side + " prefix and the pattern make '" + topic +
                    "', which is not a valid topic filter";
            return false;
        }
        field = std::string(*p);
        return true;
    };
    if (!prefix(local_prefix, "local", t.local_prefix, t.local_topic)) return std::nullopt;
    if (!prefix(remote_prefix, "remote", t.remote_prefix, t.remote_topic)) return std::nullopt;
    return t;
}

std::string TopicMap::to_remote(std::string_view local_topic) const {
    return map(
        topics_, local_topic, [](const BridgeTopic& t) -> const std::string& { return t.local_topic; },
        [](const BridgeTopic& t) -> const auto& { return t.local_prefix; },
        [](const BridgeTopic& t) -> const auto& { return t.remote_prefix; },
        [](const BridgeTopic& t) { return t.out(); });
}

std::string TopicMap::to_local(std::string_view remote_topic) const {
    return map(
        topics_, remote_topic, [](const BridgeTopic& t) -> const std::string& { return t.remote_topic; },
        [](const BridgeTopic& t) -> const auto& { return t.remote_prefix; },
        [](const BridgeTopic& t) -> const auto& { return t.local_prefix; },
        [](const BridgeTopic& t) { return t.in(); });
}

}  // namespace tapmq::broker::bridge
