// Lines, JSON and -F output of the spy (format.hpp).
#include "format.hpp"

#include <ctime>

#include "tap/hex.hpp"

namespace tapmq::cli::spy {

namespace {

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kCyan = "\x1b[36m";
constexpr const char* kBlue = "\x1b[34m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kBoldRed = "\x1b[1;31m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kMagenta = "\x1b[35m";

std::string paint(const FormatOptions& o, const char* color, const std::string& s) {
    return o.color ? std::string(color) + s + kReset : s;
}

std::string kind_of(const SpyEvent& e) {
    return e.where ? std::string(tap::name(e.where->kind)) : std::string("other");
}

std::string rtt_text(std::int64_t us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(us) / 1000.0);
    return buf;
}

}  // namespace

std::string time_text(std::int64_t us, bool date) {
    const std::time_t t = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[48];
    const auto n = std::strftime(buf, sizeof buf, date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
    if (date) {
        std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us % 1'000'000));
    } else {
        std::snprintf(buf + n, sizeof buf - n, ".%03lld", static_cast<long long>(us % 1'000'000 / 1000));
    }
    return buf;
}

nlohmann::ordered_json event_json(const SpyEvent& e) {
    nlohmann::ordered_json j;
    j["time"] = time_text(e.msg.time_us, true);
    j["topic"] = e.msg.topic;
    j["qos"] = e.msg.qos;
    j["retain"] = e.msg.retain;
    if (e.where) {
        j["serial"] = e.where->serial;
        j["kind"] = std::string(tap::name(e.where->kind));
        if (!e.where->reply_id.empty()) j["reply_id"] = e.where->reply_id;
    }
    if (e.msg.response_topic) j["response_topic"] = *e.msg.response_topic;
    if (e.msg.correlation) j["correlation_hex"] = tap::to_hex(*e.msg.correlation);
    for (const auto& [k, v] : e.detail.items())
        j[k] = v;
    j["text"] = e.text;
    if (e.error) j["error"] = true;
    return j;
}

std::string apply_format(const std::string& f, const SpyEvent& e) {
    std::string out;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c == '\\' && i + 1 < f.size()) {
            const char n = f[++i];
            out += n == 'n' ? '\n' : n == 't' ? '\t' : n == '\\' ? '\\' : n;
            continue;
        }
        if (c != '%' || i + 1 >= f.size()) {
            out += c;
            continue;
        }
        switch (f[++i]) {
            case 't':
                out += e.msg.topic;
                break;
            case 'p':
                out += e.msg.payload;
                break;
            case 'x':
                out += tap::to_hex(e.msg.payload);
                break;
            case 'l':
                out += std::to_string(e.msg.payload.size());
                break;
            case 'q':
                out += std::to_string(e.msg.qos);
                break;
            case 'r':
                out += e.msg.retain ? "1" : "0";
                break;
            case 'I':
                out += time_text(e.msg.time_us, true);
                break;
            case 'U': {
                char buf[40];
                std::snprintf(buf, sizeof buf, "%lld.%06lld",
                              static_cast<long long>(e.msg.time_us / 1'000'000),
                              static_cast<long long>(e.msg.time_us % 1'000'000));
                out += buf;
                break;
            }
            case 's':
                out += e.where ? e.where->serial : "";
                break;
            case 'k':
                out += kind_of(e);
                break;
            case 'd':
                out += e.text;
                break;
            case 'R':
                if (e.rtt_us) out += rtt_text(*e.rtt_us);
                break;
            case 'j':
                out += event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                break;
            case '%':
                out += '%';
                break;
            default:
                out += '%';
                out += f[i];
                break;
        }
    }
    return out;
}

std::string format_event(const SpyEvent& e, const FormatOptions& o) {
    if (o.format) return apply_format(*o.format, e);
    if (o.json) return event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string line = paint(o, kDim, time_text(e.msg.time_us, false)) + " ";
    if (!e.where) return line + paint(o, kMagenta, e.msg.topic) + " " + e.text;
    line += paint(o, kCyan, e.where->serial.empty() ? std::string("-") : e.where->serial) + " ";
    const std::string kind = kind_of(e);
    const char* color = kYellow;
    if (e.where->kind == tap::TopicKind::Cmd) color = kBlue;
    if (e.where->kind == tap::TopicKind::Resp) color = kGreen;
    if (e.error) color = kRed;
    char kbuf[16];
    std::snprintf(kbuf, sizeof kbuf, "%-6s", kind.c_str());
    line += paint(o, color, kbuf) + " " + (e.error ? paint(o, kRed, e.text) : e.text);
    if (e.rtt_us) line += paint(o, kDim, "  (" + e.answers + ", " + rtt_text(*e.rtt_us) + " ms)");
    if (e.where->kind == tap::TopicKind::Resp && !e.rtt_us) line += paint(o, kDim, "  (no request seen)");
    if (e.sealed && e.sealed->opened) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "  [sealed %08X #%llu]", e.sealed->sender,
                      static_cast<unsigned long long>(e.sealed->counter));
        line += paint(o, kDim, buf);
    }
    if (!e.where->reply_id.empty()) line += paint(o, kDim, "  [" + e.where->reply_id + "]");
    return line;
}

std::string format_alert(const Alert& a, const FormatOptions& o) {
    if (o.json || o.format) {
        nlohmann::ordered_json j;
        j["time"] = time_text(a.time_us, true);
        j["serial"] = a.serial;
        j["alert"] = a.kind;
        j["text"] = a.text;
        return j.dump();
    }
    std::string line = paint(o, kDim, time_text(a.time_us, false)) + " ";
    if (a.kind == "silent") return line + paint(o, kBoldRed, "!!! " + a.text);
    return line + paint(o, kCyan, a.serial) + " " + paint(o, kRed, "!      " + a.text);
}

}  // namespace tapmq::cli::spy
