// libFuzzer target for netkey sealing (src/tap/seal.cpp): sealed frames arrive from anyone who can
// publish on a Tap's topics, with or without the key.
//
// Input: [mode byte][bytes], keys of the spec's test vector (serial IoTzPr004100000000, netkey
// testnetkey).
// - Even mode: the bytes are one frame opened by a fresh to-Tap Opener at a time near the frame's
//   own header time (mode >> 1 picks the offset). Checked: an accepted frame meets every rule of §5,
//   seals again to the same bytes, and is refused as a replay the second time; a refused frame is
//   refused for the first rule it breaks, and nothing is remembered.
// - Odd mode: the bytes are a script of operations on one Opener — seal a new frame for one of 8
//   senders with a chosen counter, replay an earlier frame, let time pass — checked against a
//   simple model: a frame is accepted exactly when its (sender, counter) is fresh and within 64 of the
//   sender's highest (senders forgotten 300 s after their last frame), and no frame is ever accepted
//   twice.
// Any exception, sanitizer report or failed CHECK is a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "tap/seal.hpp"

namespace {

using namespace tapmq::tap;

constexpr std::string_view kTopic = "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd";

const SealKey& key() {
    static const SealKey k = derive_key("testnetkey", "IoTzPr004100000000", Direction::ToTap);
    return k;
}

OpenStatus first_broken_rule(const SealHeader& h, std::int64_t now) {
    if (h.version != 1) return OpenStatus::BadVersion;
    if (h.direction != 0) return OpenStatus::WrongDirection;
    if (h.sender == 0) return OpenStatus::ZeroSender;
    if (h.counter == 0) return OpenStatus::ZeroCounter;
    const std::int64_t skew = static_cast<std::int64_t>(h.time) - now;
    if (skew > 300 || skew < -300) return OpenStatus::StaleTime;
    return OpenStatus::Accepted;
}

void one_frame(std::uint8_t mode, std::string_view frame) {
    SealHeader h;
    const bool long_enough = parse_seal_header(frame, h);
    // Offsets of -400..+400 s around the header time.
    const std::int64_t now = static_cast<std::int64_t>(h.time) + (static_cast<int>(mode >> 1) - 64) * 7;
    Opener opener(key(), Direction::ToTap);
    const Opened o = opener.open(frame, kTopic, now);
    if (!long_enough) {
        CHECK(o.status == OpenStatus::TooShort);
        return;
    }
    CHECK(o.header == h);
    const OpenStatus rule = first_broken_rule(h, now);
    if (rule != OpenStatus::Accepted) {
        CHECK(o.status == rule);
    } else {
        CHECK(o.status == OpenStatus::Accepted || o.status == OpenStatus::BadTag);
    }
    if (!o.ok()) {
        CHECK(o.plaintext.empty());
        CHECK(opener.replay_guard().senders() == 0);
        return;
    }
    CHECK(o.plaintext.size() == frame.size() - kSealOverhead);
    CHECK(seal_frame(key(), h, kTopic, o.plaintext) == frame);
    CHECK(opener.open(frame, kTopic, now).status == OpenStatus::Replayed);
    CHECK(opener.replay_guard().senders() == 1);
}

struct ModelSender {
    std::uint64_t highest = 0;
    std::set<std::uint64_t> accepted;
    std::int64_t expires_at = -1;
};

void script(std::string_view ops) {
    Opener opener(key(), Direction::ToTap);
    std::int64_t now = 1700000000;
    std::map<std::uint32_t, ModelSender> model;
    struct Sent {
        std::string frame;
        bool accepted = false;
    };
    std::vector<Sent> history;
    std::size_t i = 0;
    auto next = [&]() -> std::uint8_t { return i < ops.size() ? static_cast<std::uint8_t>(ops[i++]) : 0; };
    while (i < ops.size()) {
        const std::uint8_t op = next();
        switch (op % 3) {
            case 0: {  // a new frame: sender 1..8, counter = highest + delta - 96 (clamped to >= 1)
                const std::uint32_t sender = 1 + (op >> 2) % 8;
                ModelSender& m = model[sender];
                if (now > m.expires_at) m = ModelSender{};
                const std::int64_t delta = next();
                std::int64_t counter = static_cast<std::int64_t>(m.highest) + delta - 96;
                if (counter < 1) counter = 1 + delta;
                const auto c = static_cast<std::uint64_t>(counter);
                const SealHeader h{1, 0, sender, c, static_cast<std::uint32_t>(now)};
                const std::string frame = seal_frame(key(), h, kTopic, std::string(1, static_cast<char>(op)));
                const bool fresh = !m.accepted.count(c) && (c > m.highest || m.highest - c < 64);
                const Opened o = opener.open(frame, kTopic, now);
                CHECK(o.ok() == fresh);
                if (!fresh) CHECK(o.status == OpenStatus::Replayed || o.status == OpenStatus::BehindWindow);
                if (o.ok()) {
                    m.accepted.insert(c);
                    if (c > m.highest) m.highest = c;
                    m.expires_at = now + 300;
                }
                history.push_back({frame, o.ok()});
                break;
            }
            case 1: {  // replay an earlier frame
                if (history.empty()) break;
                Sent& s = history[next() % history.size()];
                SealHeader h;
                CHECK(parse_seal_header(s.frame, h));
                ModelSender& m = model[h.sender];
                if (now > m.expires_at) m = ModelSender{};
                const std::int64_t skew = static_cast<std::int64_t>(h.time) - now;
                const bool in_time = skew >= -300 && skew <= 300;
                const bool fresh =
                    !m.accepted.count(h.counter) && (h.counter > m.highest || m.highest - h.counter < 64);
                const Opened o = opener.open(s.frame, kTopic, now);
                CHECK(o.ok() == (in_time && fresh));
                if (s.accepted) CHECK(!o.ok());  // never twice
                if (o.ok()) {
                    s.accepted = true;
                    m.accepted.insert(h.counter);
                    if (h.counter > m.highest) m.highest = h.counter;
                    m.expires_at =
                        std::max<std::int64_t>(m.expires_at, std::max<std::int64_t>(h.time, now) + 300);
                }
                break;
            }
            default:  // time passes: 0..255 s
                now += next();
                break;
        }
        CHECK(opener.replay_guard().senders() <= 8);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0) {
        one_frame(data[0], rest);
    } else {
        script(rest.substr(0, 4096));
    }
    return 0;
}
