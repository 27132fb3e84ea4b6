// Netkey sealing: the spec's two vectors byte for byte, and one test per acceptance rule of §5
// (tampered header and topic, replay, stale time, wrong direction, full sender table, expiry).
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "tap/hex.hpp"
#include "tap/seal.hpp"
#include "test_tap_util.hpp"

namespace tapmq::tap {
namespace {

using test::bytes;

constexpr std::string_view kSerial = "IoTzPr004100000000";
constexpr std::string_view kNetkey = "testnetkey";
constexpr std::string_view kCmdTopic = "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd";
constexpr std::string_view kRespTopic = "IOTIZE_DEV/IoTzPr004100000000_DEV/resp";
constexpr std::string_view kRequestFrame =
    "01000102030400000000000000016553F10084AA7C1C642DD98835A60811510E1842785C173D1AD02C85F3BBB704";
constexpr std::string_view kResponseFrame =
    "0101A0B0C0D000000000000000076553F10151E5FDCD9862E3FA5AEF631093B4F1B2D9FF2F0CE94D5F02FA5B9FBAAAD0";
constexpr std::int64_t kT0 = 1700000000;

std::string key_hex(const SealKey& k) {
    return to_hex(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}

SealKey to_tap() {
    return derive_key(kNetkey, kSerial, Direction::ToTap);
}
SealKey from_tap() {
    return derive_key(kNetkey, kSerial, Direction::FromTap);
}

TEST(TapSeal, Keys) {
    EXPECT_EQ(key_hex(to_tap()), "1C745905F44D283AD3C0EBC0C1010DBC");
    EXPECT_EQ(key_hex(from_tap()), "8E89BF9F8EFC117902C11EBB7E088512");
    EXPECT_THROW(derive_key("", kSerial, Direction::ToTap), std::invalid_argument);
    EXPECT_NE(key_hex(derive_key(kNetkey, "", Direction::ToTap)), key_hex(to_tap()));
}

TEST(TapSeal, RequestVector) {
    Sealer sealer(to_tap(), Direction::ToTap, 0x01020304);
    const std::string frame = sealer.seal(kCmdTopic, bytes("A2CA000007010400FFFF0009"), kT0);
    EXPECT_EQ(to_hex(frame), kRequestFrame);
    EXPECT_EQ(sealer.next_counter(), 2u);

    Opener opener(to_tap(), Direction::ToTap);
    const Opened o = opener.open(bytes(kRequestFrame), kCmdTopic, kT0 + 2);
    ASSERT_TRUE(o.ok()) << name(o.status);
    EXPECT_EQ(o.plaintext, bytes("A2CA000007010400FFFF0009"));
    EXPECT_EQ(o.header, (SealHeader{1, 0, 0x01020304, 1, 1700000000}));
}

TEST(TapSeal, ResponseVector) {
    Sealer sealer(from_tap(), Direction::FromTap, 0xA0B0C0D0, 7);
    const std::string plain = bytes("45") + "Sensor_demo" + bytes("9000");
    EXPECT_EQ(to_hex(sealer.seal(kRespTopic, plain, kT0 + 1)), kResponseFrame);

    Opener opener(from_tap(), Direction::FromTap);
    const Opened o = opener.open(bytes(kResponseFrame), kRespTopic, kT0);
    ASSERT_TRUE(o.ok()) << name(o.status);
    EXPECT_EQ(o.plaintext, plain);
    EXPECT_EQ(o.header.counter, 7u);
}

TEST(TapSeal, RandomSenderCountsFromOne) {
    Sealer a(to_tap(), Direction::ToTap);
    Sealer b(to_tap(), Direction::ToTap);
    EXPECT_NE(a.sender(), 0u);
    EXPECT_NE(a.sender(), b.sender());  // 1 in 2^32 to fail
    EXPECT_EQ(a.next_counter(), 1u);
    Opener opener(to_tap(), Direction::ToTap);
    for (int i = 1; i <= 3; ++i) {
        const Opened o = opener.open(a.seal(kCmdTopic, "x", kT0), kCmdTopic, kT0);
        ASSERT_TRUE(o.ok());
        EXPECT_EQ(o.header.counter, static_cast<std::uint64_t>(i));
        EXPECT_EQ(o.header.sender, a.sender());
    }
    EXPECT_THROW(Sealer(to_tap(), Direction::ToTap, 0), std::invalid_argument);
    EXPECT_THROW(Sealer(to_tap(), Direction::ToTap, 1, 0), std::invalid_argument);
    EXPECT_THROW(a.seal(kCmdTopic, "x", -1), std::out_of_range);
    Sealer last(to_tap(), Direction::ToTap, 1, ~std::uint64_t{0});
    (void)last.seal(kCmdTopic, "x", kT0);
    EXPECT_THROW(last.seal(kCmdTopic, "x", kT0), std::out_of_range);  // never wraps to a used counter
}

TEST(TapSeal, EmptyPlaintext) {
    Sealer sealer(to_tap(), Direction::ToTap, 9);
    const std::string frame = sealer.seal(kCmdTopic, "", kT0);
    EXPECT_EQ(frame.size(), kSealOverhead);
    Opener opener(to_tap(), Direction::ToTap);
    const Opened o = opener.open(frame, kCmdTopic, kT0);
    EXPECT_TRUE(o.ok());
    EXPECT_TRUE(o.plaintext.empty());
}

TEST(TapSeal, TamperedHeaderBytes) {
    const std::string frame = bytes(kRequestFrame);
    // Flipping any bit of the header, ciphertext or tag is refused (for some header bytes by an
    // earlier rule, otherwise by the tag); the opener remembers nothing.
    for (std::size_t i = 0; i < frame.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string bad = frame;
            bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
            Opener opener(to_tap(), Direction::ToTap);
            const Opened o = opener.open(bad, kCmdTopic, kT0);
            EXPECT_FALSE(o.ok()) << "byte " << i << " bit " << bit;
            EXPECT_EQ(opener.replay_guard().senders(), 0u);
        }
    }
    // The time field altered within the skew: only the tag catches it.
    std::string later = frame;
    later[17] = static_cast<char>(later[17] + 1);
    Opener opener(to_tap(), Direction::ToTap);
    EXPECT_EQ(opener.open(later, kCmdTopic, kT0).status, OpenStatus::BadTag);
    // And the untouched frame is still accepted afterwards.
    EXPECT_TRUE(opener.open(frame, kCmdTopic, kT0).ok());
}

TEST(TapSeal, TamperedTopic) {
    Opener opener(to_tap(), Direction::ToTap);
    EXPECT_EQ(opener.open(bytes(kRequestFrame), "IOTIZE_DEV/IoTzPr004100000001_DEV/cmd", kT0).status,
              OpenStatus::BadTag);
    EXPECT_EQ(opener.open(bytes(kRequestFrame), "IOTIZE_DEV/IoTzPr004100000000_DEV/cmd/r1", kT0).status,
              OpenStatus::BadTag);
    EXPECT_TRUE(opener.open(bytes(kRequestFrame), kCmdTopic, kT0).ok());
}

TEST(TapSeal, WrongKeyAndDirection) {
    Opener wrong_key(derive_key("othernetkey", kSerial, Direction::ToTap), Direction::ToTap);
    EXPECT_EQ(wrong_key.open(bytes(kRequestFrame), kCmdTopic, kT0).status, OpenStatus::BadTag);
    // A Tap's own response looped back to it: wrong direction.
    Opener tap(to_tap(), Direction::ToTap);
    EXPECT_EQ(tap.open(bytes(kResponseFrame), kRespTopic, kT0).status, OpenStatus::WrongDirection);
    // A request sealed with the to-tap key but marked from-tap (the header says 1): refused before the tag.
    Sealer liar(to_tap(), Direction::FromTap, 5);
    EXPECT_EQ(tap.open(liar.seal(kCmdTopic, "x", kT0), kCmdTopic, kT0).status, OpenStatus::WrongDirection);
    // The same direction byte with the other direction's key: the tag.
    Opener requester(from_tap(), Direction::FromTap);
    Sealer wrong(to_tap(), Direction::FromTap, 5);
    EXPECT_EQ(requester.open(wrong.seal(kRespTopic, "x", kT0), kRespTopic, kT0).status, OpenStatus::BadTag);
}

TEST(TapSeal, HeaderRules) {
    const SealKey k = to_tap();
    Opener opener(k, Direction::ToTap);
    auto open = [&](SealHeader h) {
        return opener.open(seal_frame(k, h, kCmdTopic, "x"), kCmdTopic, kT0).status;
    };
    EXPECT_EQ(open(SealHeader{2, 0, 1, 1, kT0}), OpenStatus::BadVersion);
    EXPECT_EQ(open(SealHeader{0, 0, 1, 1, kT0}), OpenStatus::BadVersion);
    EXPECT_EQ(open(SealHeader{1, 2, 1, 1, kT0}), OpenStatus::WrongDirection);
    EXPECT_EQ(open(SealHeader{1, 0, 0, 1, kT0}), OpenStatus::ZeroSender);
    EXPECT_EQ(open(SealHeader{1, 0, 1, 0, kT0}), OpenStatus::ZeroCounter);
    EXPECT_EQ(opener.replay_guard().senders(), 0u);
    EXPECT_EQ(opener.open(std::string(33, '\x01'), kCmdTopic, kT0).status, OpenStatus::TooShort);
    EXPECT_EQ(opener.open("", kCmdTopic, kT0).status, OpenStatus::TooShort);
    EXPECT_EQ(open(SealHeader{1, 0, 1, 1, kT0}), OpenStatus::Accepted);
}

TEST(TapSeal, StaleTime) {
    const SealKey k = to_tap();
    Opener opener(k, Direction::ToTap);
    auto at = [&](std::uint64_t counter, std::int64_t header_time, std::int64_t now) {
        const SealHeader h{1, 0, 7, counter, static_cast<std::uint32_t>(header_time)};
        return opener.open(seal_frame(k, h, kCmdTopic, "x"), kCmdTopic, now).status;
    };
    EXPECT_EQ(at(1, kT0 - 301, kT0), OpenStatus::StaleTime);
    EXPECT_EQ(at(2, kT0 + 301, kT0), OpenStatus::StaleTime);
    EXPECT_EQ(at(3, kT0 - 300, kT0), OpenStatus::Accepted);
    EXPECT_EQ(at(4, kT0 + 300, kT0), OpenStatus::Accepted);
    EXPECT_EQ(at(5, 0, kT0), OpenStatus::StaleTime);
    EXPECT_EQ(at(6, 0xFFFFFFFF, kT0), OpenStatus::StaleTime);
    // The spec's request frame a day later.
    Opener later(k, Direction::ToTap);
    EXPECT_EQ(later.open(bytes(kRequestFrame), kCmdTopic, kT0 + 86400).status, OpenStatus::StaleTime);
}

TEST(TapSeal, Replay) {
    Opener opener(to_tap(), Direction::ToTap);
    const std::string frame = bytes(kRequestFrame);
    EXPECT_TRUE(opener.open(frame, kCmdTopic, kT0).ok());
    EXPECT_EQ(opener.open(frame, kCmdTopic, kT0).status, OpenStatus::Replayed);
    EXPECT_EQ(opener.open(frame, kCmdTopic, kT0 + 299).status, OpenStatus::Replayed);
}

TEST(TapSeal, WindowOutOfOrder) {
    const SealKey k = to_tap();
    Opener opener(k, Direction::ToTap);
    std::vector<std::string> frames;  // frames[c] has counter c
    frames.emplace_back();
    for (std::uint64_t c = 1; c <= 200; ++c) {
        frames.push_back(seal_frame(k, SealHeader{1, 0, 42, c, kT0}, kCmdTopic, "x"));
    }
    auto open = [&](std::uint64_t c) { return opener.open(frames[c], kCmdTopic, kT0).status; };
    EXPECT_EQ(open(100), OpenStatus::Accepted);
    EXPECT_EQ(open(37), OpenStatus::Accepted);      // 63 behind: inside the window
    EXPECT_EQ(open(36), OpenStatus::BehindWindow);  // 64 behind
    EXPECT_EQ(open(1), OpenStatus::BehindWindow);
    EXPECT_EQ(open(99), OpenStatus::Accepted);
    EXPECT_EQ(open(99), OpenStatus::Replayed);
    EXPECT_EQ(open(37), OpenStatus::Replayed);
    EXPECT_EQ(open(100), OpenStatus::Replayed);
    EXPECT_EQ(open(101), OpenStatus::Accepted);  // slides by one
    EXPECT_EQ(open(37), OpenStatus::BehindWindow);
    EXPECT_EQ(open(99), OpenStatus::Replayed);
    EXPECT_EQ(open(200), OpenStatus::Accepted);  // jumps past the whole window
    EXPECT_EQ(open(150), OpenStatus::Accepted);
    EXPECT_EQ(open(137), OpenStatus::Accepted);
    EXPECT_EQ(open(136), OpenStatus::BehindWindow);
    EXPECT_EQ(open(101), OpenStatus::BehindWindow);
    for (std::uint64_t c = 138; c < 200; ++c) {
        EXPECT_EQ(open(c), c == 150 ? OpenStatus::Replayed : OpenStatus::Accepted) << c;
    }
    for (std::uint64_t c = 137; c <= 200; ++c)
        EXPECT_EQ(open(c), OpenStatus::Replayed) << c;
    // A forged frame with a fresh counter moves nothing: the real one is still accepted.
    std::string forged = seal_frame(k, SealHeader{1, 0, 42, 300, kT0}, kCmdTopic, "x");
    forged.back() = static_cast<char>(forged.back() ^ 1);
    EXPECT_EQ(opener.open(forged, kCmdTopic, kT0).status, OpenStatus::BadTag);
    EXPECT_EQ(
        opener.open(seal_frame(k, SealHeader{1, 0, 42, 201, kT0}, kCmdTopic, "x"), kCmdTopic, kT0).status,
        OpenStatus::Accepted);
}

TEST(TapSeal, SenderTableFull) {
    const SealKey k = to_tap();
    Opener opener(k, Direction::ToTap);
    for (std::uint32_t s = 1; s <= kMaxSenders; ++s) {
        ASSERT_TRUE(
            opener.open(seal_frame(k, SealHeader{1, 0, s, 1, kT0}, kCmdTopic, ""), kCmdTopic, kT0).ok());
    }
    EXPECT_EQ(opener.replay_guard().senders(), kMaxSenders);
    const std::string newcomer = seal_frame(k, SealHeader{1, 0, 99999, 1, kT0 + 100}, kCmdTopic, "");
    EXPECT_EQ(opener.open(newcomer, kCmdTopic, kT0 + 100).status, OpenStatus::SenderTableFull);
    // Known senders go on.
    EXPECT_TRUE(
        opener.open(seal_frame(k, SealHeader{1, 0, 17, 2, kT0}, kCmdTopic, ""), kCmdTopic, kT0 + 100).ok());
    // Once the others are forgotten (300 s after their frames), the newcomer gets in; sender 17,
    // refreshed at kT0 + 100, is still remembered.
    EXPECT_TRUE(opener.open(newcomer, kCmdTopic, kT0 + 301).ok());
    EXPECT_EQ(opener.replay_guard().senders(), 2u);
}

TEST(TapSeal, Expiry) {
    const SealKey k = to_tap();
    ReplayGuard guard;
    // A frame stamped in the future stays remembered until 300 s after its header time.
    guard.accept(1, 5, static_cast<std::uint32_t>(kT0 + 200), kT0);
    EXPECT_EQ(guard.check(1, 5, kT0 + 499), OpenStatus::Replayed);
    EXPECT_EQ(guard.check(1, 5, kT0 + 500), OpenStatus::Replayed);
    guard.expire(kT0 + 500);
    EXPECT_EQ(guard.senders(), 1u);
    guard.expire(kT0 + 501);
    EXPECT_EQ(guard.senders(), 0u);
    // A frame stamped in the past stays remembered until 300 s after its arrival.
    guard.accept(2, 5, static_cast<std::uint32_t>(kT0 - 250), kT0);
    EXPECT_EQ(guard.check(2, 5, kT0 + 300), OpenStatus::Replayed);
    EXPECT_EQ(guard.check(2, 5, kT0 + 301), OpenStatus::Accepted);  // forgotten: the frame is stale by now

    // Through an Opener: a replay as late as it is still fresh is refused; once stale, it is stale.
    Opener opener(k, Direction::ToTap);
    const std::string frame =
        seal_frame(k, SealHeader{1, 0, 3, 1, static_cast<std::uint32_t>(kT0 + 300)}, kCmdTopic, "x");
    EXPECT_TRUE(opener.open(frame, kCmdTopic, kT0).ok());
    opener.replay_guard().expire(kT0 + 600);
    EXPECT_EQ(opener.open(frame, kCmdTopic, kT0 + 600).status, OpenStatus::Replayed);
    EXPECT_EQ(opener.open(frame, kCmdTopic, kT0 + 601).status, OpenStatus::StaleTime);
    // A forgotten sender starts afresh with any counter.
    EXPECT_TRUE(opener
                    .open(seal_frame(k, SealHeader{1, 0, 3, 1, static_cast<std::uint32_t>(kT0 + 1000)},
                                     kCmdTopic, "y"),
                          kCmdTopic, kT0 + 1000)
                    .ok());
}

TEST(TapSeal, StatusNames) {
    EXPECT_EQ(name(OpenStatus::Replayed), "replayed");
    EXPECT_EQ(name(OpenStatus::StaleTime), "time too far from now");
    std::set<std::string_view> names;
    for (int s = 0; s <= static_cast<int>(OpenStatus::BadTag); ++s)
        names.insert(name(static_cast<OpenStatus>(s)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(OpenStatus::BadTag) + 1);
}

}  // namespace
}  // namespace tapmq::tap
