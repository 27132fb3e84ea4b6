// Pairing, per-Tap statistics and alerts of the spy (tracker.hpp).
#include "tracker.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "tap/topics.hpp"

namespace tapmq::cli::spy {

namespace {

std::string clock_of(std::int64_t us) {
    const std::time_t t = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

std::string seconds_text(std::int64_t us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(us) / 1e6);
    return buf;
}

// The reply channel of a request: its Response Topic, else the resp topic matching its cmd topic.
std::string reply_topic(const SpyEvent& e) {
    if (e.msg.response_topic) return *e.msg.response_topic;
    if (e.where->reply_id.empty()) return e.where->prefix + "/resp";
    return e.where->prefix + "/resp/" + e.where->reply_id;
}

}  // namespace

std::int64_t percentile(std::vector<std::int64_t> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    return v[rank - 1];
}

std::vector<Alert> Tracker::tick(std::int64_t now_us) {
    last_tick_us_ = now_us;
    std::vector<Alert> out;
    for (const auto& p : pairing_.expire(now_us, timeout_us_)) {
        auto it = requests_.find(p.token);
        const std::string what = it == requests_.end() ? "a request" : it->second.text;
        if (it != requests_.end()) requests_.erase(it);
        TapStats& t = taps_[p.tap];
        ++t.unanswered;
        if (t.streak++ == 0) t.streak_since_us = p.sent_us;
        out.push_back(
            {now_us, p.tap, "unanswered",
             "no response in " + seconds_text(timeout_us_) + " to " + what + " sent " + clock_of(p.sent_us)});
    }
    // One line per Tap and streak, once all of this tick's expirations are counted.
    for (auto& [serial, t] : taps_) {
        if (t.streak < warn_after_ || t.warned) continue;
        t.warned = true;
        std::string why;
        if (t.status_state.empty()) {
            why = "no status seen: is a Tap with this serial number connected to this broker?";
        } else if (t.status_state == "online") {
            why = "status online" + (t.status_since.empty() ? std::string() : " since " + t.status_since) +
                  ": the Tap is connected but does not answer (busy, a netkey it cannot open, or not "
                  "subscribed to its "
                  "cmd topics)";
        } else {
            why = "status " + t.status_state +
                  (t.status_since.empty() ? std::string() : " since " + t.status_since) +
                  ": the Tap is not connected to the broker";
        }
        out.push_back({now_us, serial, "silent",
                       serial + ": " + std::to_string(t.streak) + " commands, no response in " +
                           seconds_text(now_us - t.streak_since_us) + "; " + why});
    }
    return out;
}

std::vector<Alert> Tracker::on_event(SpyEvent& e) {
    // Expiry walks every channel: at most once per 10 ms of message time, not once per message.
    std::vector<Alert> out;
    if (e.msg.time_us - last_tick_us_ >= 10'000 || e.msg.time_us < last_tick_us_) out = tick(e.msg.time_us);
    if (!e.where) return out;
    TapStats& t = taps_[e.where->serial];
    switch (e.where->kind) {
        case tap::TopicKind::Cmd: {
            ++t.commands;
            if (e.error) ++t.failures;
            e.channel = tap::PairingTable::channel(reply_topic(e), e.msg.correlation);
            const std::uint64_t token = next_token_++;
            requests_[token] = {e.request, e.text};
            pairing_.request(e.channel, {token, e.msg.time_us, e.where->serial});
            break;
        }
        case tap::TopicKind::Resp: {
            ++t.responses;
            if (e.error) ++t.failures;
            e.channel = tap::PairingTable::channel(e.msg.topic, e.msg.correlation);
            auto m = pairing_.response(e.channel, e.msg.time_us);
            if (!m) break;
            auto it = requests_.find(m->request.token);
            if (it != requests_.end()) {
                e.answers = it->second.text;
                if (it->second.request) decoder_.describe_response(e, &*it->second.request);
                requests_.erase(it);
            }
            e.rtt_us = m->rtt_us;
            e.detail["rtt_ms"] = static_cast<double>(m->rtt_us) / 1000.0;
            e.detail["answers"] = e.answers;
            t.rtts_us.push_back(m->rtt_us);
            t.streak = 0;
            t.warned = false;
            break;
        }
        case tap::TopicKind::Status: {
            t.status = e.text;
            auto it = e.detail.find("status");
            if (it != e.detail.end() && it->is_object()) {
                t.status_state = it->value("state", std::string());
                t.status_since = it->value("since", std::string());
                if (t.status_since.size() >= 19) t.status_since = t.status_since.substr(11, 8);
            } else {
                t.status_state.clear();
                t.status_since.clear();
            }
            break;
        }
        default:
            if (e.error) ++t.failures;
            break;
    }
    return out;
}

std::string Tracker::summary() const {
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-24s %8s %9s %8s %10s %10s %10s  %s\n", "TAP", "COMMANDS", "RESPONSES",
                  "FAILURES", "UNANSWERED", "MEDIAN ms", "P99 ms", "LAST STATUS");
    out += line;
    for (const auto& [serial, t] : taps_) {
        const double med = static_cast<double>(percentile(t.rtts_us, 50)) / 1000.0;
        const double p99 = static_cast<double>(percentile(t.rtts_us, 99)) / 1000.0;
        std::snprintf(line, sizeof line, "%-24s %8u %9u %8u %10u %10.2f %10.2f  %s\n",
                      serial.empty() ? "-" : serial.c_str(), t.commands, t.responses, t.failures,
                      t.unanswered, med, p99, t.status.c_str());
        out += line;
    }
    return out;
}

}  // namespace tapmq::cli::spy
