// A Tap's MQTT topics.
#include "topics.hpp"

#include <stdexcept>

#include "project.hpp"

namespace tapmq::tap {

TapTopics::TapTopics(std::string_view prefix_template, std::string_view serial) {
    if (serial.empty() || serial.find_first_of(std::string_view("/+#\0", 4)) != std::string_view::npos) {
        throw std::invalid_argument("serial number \"" + std::string(serial) +
                                    "\" cannot be part of a topic (empty, or holds '/', '+', '#' or NUL)");
    }
    prefix_ = expand_serial(prefix_template, serial);
}

bool valid_reply_id(std::string_view reply_id) noexcept {
    return !reply_id.empty() &&
           reply_id.find_first_of(std::string_view("/+#\0", 4)) == std::string_view::npos;
}

std::optional<std::string> TapTopics::reply_topic_for(std::string_view cmd_topic) const {
    const std::string base = cmd();
    if (!cmd_topic.starts_with(base)) return std::nullopt;
    const std::string_view tail = cmd_topic.substr(base.size());
    if (tail.empty()) return resp();
    if (tail.front() != '/' || !valid_reply_id(tail.substr(1))) return std::nullopt;
    return resp(tail.substr(1));
}

}  // namespace tapmq::tap
