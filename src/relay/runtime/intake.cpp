// Where a request came from and where its answer goes (intake.hpp).
#include "intake.hpp"

#include <cstdio>

#include "mqtt/topic.hpp"

namespace tapmq::relay::runtime {

std::optional<Intake> take_in(const tap::TapTopics& topics, const mqtt::Publish& p) {
    const auto reply = topics.reply_topic_for(p.topic);
    if (!reply) return std::nullopt;  // not <prefix>/cmd[/<reply-id>]
    Intake in;
    if (p.properties.response_topic) {
        const auto rt = *p.properties.response_topic;
        if (!mqtt::is_valid_topic_name(rt)) return std::nullopt;
        in.reply_topic = std::string(rt);
        in.channel = "response-topic:" + in.reply_topic;
        if (p.properties.correlation_data) in.correlation_data = std::string(*p.properties.correlation_data);
        return in;
    }
    in.reply_topic = *reply;
    const auto cmd = topics.cmd();
    in.channel = p.topic.size() == cmd.size() ? std::string("cmd")
                                              : "reply-id:" + std::string(p.topic.substr(cmd.size() + 1));
    return in;
}

std::string requester_key(const Intake& in, std::optional<std::uint32_t> sealed_sender) {
    if (sealed_sender) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "sender:%08x", static_cast<unsigned>(*sealed_sender));
        return buf;
    }
    return in.channel == "cmd" ? std::string() : in.channel;  // the bare cmd topic: one shared session
}

}  // namespace tapmq::relay::runtime
