// The other direction of topics.hpp: which Tap and which of its topics an MQTT topic is, given the
// relay's topic prefix template (tap-protocol.md §5, "Topics"), and the subscription filter that
// matches one kind of topic of every Tap. For tools that watch many Taps (the spy, `ctl ls`, the
// web app's fleet view). Pure.
//
// The template holds "{serial}" at most once, inside one topic level ("IOTIZE_DEV/{serial}_DEV");
// the serial is that level minus the template's text around it. A template without "{serial}"
// matches one Tap whose serial is not known from its topics (serial "").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tapmq::tap {

enum class TopicKind : unsigned char { Cmd, Resp, Status, Data, Event, AppIn, AppOut };

std::string_view name(
    TopicKind kind) noexcept;  // "cmd", "resp", "status", "data", "event", "app/in", "app/out"

struct TopicInfo {
    std::string serial;
    std::string prefix;  // the Tap's prefix, the template expanded
    TopicKind kind = TopicKind::Cmd;
    std::string reply_id;  // cmd/<id>, resp/<id>; empty for the bare cmd and resp topics

    bool operator==(const TopicInfo&) const = default;
};

// nullopt for a topic that is not one of a Tap's topics under this template (and for a cmd or resp
// topic whose reply id is not valid, see topics.hpp).
std::optional<TopicInfo> parse_tap_topic(std::string_view prefix_template, std::string_view topic);

// "IOTIZE_DEV/+/status" for ("IOTIZE_DEV/{serial}_DEV", "status"): the level holding {serial}
// becomes '+'. The filter may match topics of other shapes (check them with parse_tap_topic).
std::string fleet_filter(std::string_view prefix_template, std::string_view tail);

// "IOTIZE_DEV/#": the levels of the template before the one holding {serial}, then '#'.
std::string fleet_root_filter(std::string_view prefix_template);

}  // namespace tapmq::tap
