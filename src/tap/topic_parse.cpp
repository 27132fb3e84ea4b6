// Topics back to Taps: parse_tap_topic, fleet filters.
#include "topic_parse.hpp"

#include "topics.hpp"

namespace tapmq::tap {

namespace {
constexpr std::string_view kSerial = "{serial}";
}

std::string_view name(TopicKind kind) noexcept {
    switch (kind) {
        case TopicKind::Cmd:
            return "cmd";
        case TopicKind::Resp:
            return "resp";
        case TopicKind::Status:
            return "status";
        case TopicKind::Data:
            return "data";
        case TopicKind::Event:
            return "event";
        case TopicKind::AppIn:
            return "app/in";
        case TopicKind::AppOut:
            return "app/out";
    }
    return "?";
}

std::optional<TopicInfo> parse_tap_topic(std::string_view tmpl, std::string_view topic) {
    TopicInfo info;
    std::string_view rest;
    const auto at = tmpl.find(kSerial);
    if (at == std::string_view::npos) {
        if (!topic.starts_with(tmpl)) return std::nullopt;
        info.prefix = std::string(tmpl);
        rest = topic.substr(tmpl.size());
    } else {
        const std::string_view before = tmpl.substr(0, at);
        const std::string_view after = tmpl.substr(at + kSerial.size());
        if (after.find(kSerial) != std::string_view::npos) return std::nullopt;
        if (!topic.starts_with(before)) return std::nullopt;
        const std::string_view r = topic.substr(before.size());
        const auto slash_in_after = after.find('/');
        const std::string_view after_level = after.substr(0, slash_in_after);  // rest of the serial's level
        const std::string_view after_tail =
            slash_in_after == std::string_view::npos ? std::string_view{} : after.substr(slash_in_after);
        const auto level_end = r.find('/');
        const std::string_view level = r.substr(0, level_end);
        if (level.size() <= after_level.size() || !level.ends_with(after_level)) return std::nullopt;
        info.serial = std::string(level.substr(0, level.size() - after_level.size()));
        if (info.serial.find_first_of("+#") != std::string::npos) return std::nullopt;
        const std::string_view tail =
            level_end == std::string_view::npos ? std::string_view{} : r.substr(level_end);
        if (!tail.starts_with(after_tail)) return std::nullopt;
        info.prefix = std::string(topic.substr(0, topic.size() - tail.size() + after_tail.size()));
        rest = tail.substr(after_tail.size());
    }
    struct Fixed {
        std::string_view text;
        TopicKind kind;
    };
    static constexpr Fixed kFixed[] = {{"/cmd", TopicKind::Cmd},       {"/resp", TopicKind::Resp},
                                       {"/status", TopicKind::Status}, {"/data", TopicKind::Data},
                                       {"/event", TopicKind::Event},   {"/app/in", TopicKind::AppIn},
                                       {"/app/out", TopicKind::AppOut}};
    for (const auto& f : kFixed) {
        if (rest == f.text) {
            info.kind = f.kind;
            return info;
        }
    }
    for (const auto kind : {TopicKind::Cmd, TopicKind::Resp}) {
        std::string head = "/";  // built by appends: GCC 12's -Wrestrict misfires on "/" + string&& at -O3
        head.append(name(kind)).append("/");
        if (rest.starts_with(head)) {
            const std::string_view id = rest.substr(head.size());
            if (!valid_reply_id(id)) return std::nullopt;
            info.kind = kind;
            info.reply_id = std::string(id);
            return info;
        }
    }
    return std::nullopt;
}

std::string fleet_filter(std::string_view tmpl, std::string_view tail) {
    std::string out;
    std::size_t begin = 0;
    while (true) {
        const auto end = tmpl.find('/', begin);
        const std::string_view level = tmpl.substr(begin, end == std::string_view::npos ? end : end - begin);
        if (!out.empty() || begin > 0) out += '/';
        out += level.find(kSerial) != std::string_view::npos ? std::string("+") : std::string(level);
        if (end == std::string_view::npos) break;
        begin = end + 1;
    }
    if (!tail.empty()) out.append("/").append(tail);
    return out;
}

std::string fleet_root_filter(std::string_view tmpl) {
    const auto at = tmpl.find(kSerial);
    if (at == std::string_view::npos) return std::string(tmpl) + "/#";
    const auto level_start = tmpl.rfind('/', at);
    if (level_start == std::string_view::npos) return "#";
    return std::string(tmpl.substr(0, level_start)) + "/#";
}

}  // namespace tapmq::tap
