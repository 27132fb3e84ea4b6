// The MQTT topics of a Tap (tap-protocol.md §5, "Topics"), built from the relay's topic prefix
// template, and the reply topic that answers a request arriving on a cmd topic.
//
// Our decision where §5 is silent: a reply id is one topic level (no '/'), not empty, without '+',
// '#' or NUL; a request on a cmd topic with any other tail gets no reply topic (the relay ignores it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tapmq::tap {

class TapTopics {
  public:
    // Expands "{serial}" in the template (RelaySettings::topic_prefix). Throws std::invalid_argument
    // for an empty serial or one holding '/', '+', '#' or NUL, which would change the topic's shape.
    TapTopics(std::string_view prefix_template, std::string_view serial);

    const std::string& prefix() const noexcept { return prefix_; }
    std::string cmd() const { return prefix_ + "/cmd"; }
    std::string resp() const { return prefix_ + "/resp"; }
    std::string cmd(std::string_view reply_id) const { return prefix_ + "/cmd/" + std::string(reply_id); }
    std::string resp(std::string_view reply_id) const { return prefix_ + "/resp/" + std::string(reply_id); }
    // What a Tap subscribes to: "<prefix>/cmd/#" matches <prefix>/cmd too.
    std::string cmd_filter() const { return prefix_ + "/cmd/#"; }
    std::string status() const { return prefix_ + "/status"; }
    std::string data() const { return prefix_ + "/data"; }
    std::string event() const { return prefix_ + "/event"; }
    std::string app_in() const { return prefix_ + "/app/in"; }
    std::string app_out() const { return prefix_ + "/app/out"; }

    // <prefix>/cmd -> <prefix>/resp, <prefix>/cmd/<id> -> <prefix>/resp/<id>; nullopt for any other
    // topic, or a reply id that is not valid (see above).
    std::optional<std::string> reply_topic_for(std::string_view cmd_topic) const;

  private:
    std::string prefix_;
};

// True for a reply id as above.
bool valid_reply_id(std::string_view reply_id) noexcept;

}  // namespace tapmq::tap
