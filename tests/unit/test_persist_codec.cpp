// tapmq_persist internals: key order and parsing, value encoding and its checks, and the write-ahead log
// damage detection (against logs built the way RocksDB's log writer builds them).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "persist/codec.hpp"
#include "persist/crc32c.hpp"
#include "persist/wal_check.hpp"
#include "test_persist_util.hpp"

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::detail;

TEST(PersistCodec, Crc32cKnownValues) {
    // RFC 3720 B.4 test vectors.
    std::string zeros(32, '\0');
    EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8a9136aau);
    std::string ones(32, '\xff');
    EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62a8ab43u);
    std::string inc;
    for (int i = 0; i < 32; ++i)
        inc.push_back(static_cast<char>(i));
    EXPECT_EQ(crc32c(inc.data(), inc.size()), 0x46dd794eu);
    EXPECT_EQ(crc32c("123456789", 9), 0xe3069283u);
    // extend == one pass, for every split point
    std::string s = "The quick brown fox jumps over the lazy dog, again and again and again.";
    for (std::size_t i = 0; i <= s.size(); ++i)
        EXPECT_EQ(crc32c_extend(crc32c(s.data(), i), s.data() + i, s.size() - i), crc32c(s.data(), s.size()));
}

TEST(PersistCodec, OutgoingKeysSortBySeqAndClientsDoNotInterleave) {
    const std::vector<std::string> clients = {"", "a", "ab", "a\xff", std::string("a\0", 2), "b", "\xff\xff"};
    const std::vector<std::uint64_t> seqs = {0, 1, 255, 256, 65535, 65536, 1ull << 32, ~0ull};
    std::vector<std::pair<std::string, std::pair<std::string, std::uint64_t>>> keys;
    for (auto& c : clients)
        for (auto s : seqs)
            keys.push_back({outgoing_key(c, s), {c, s}});
    std::sort(keys.begin(), keys.end());
    // Contiguous per client, in seq order within.
    std::vector<std::string> runs;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto& [client, seq] = keys[i].second;
        if (i == 0 || keys[i - 1].second.first != client) {
            runs.push_back(client);
            EXPECT_EQ(seq, 0u);
        } else {
            EXPECT_LT(keys[i - 1].second.second, seq);
        }
        // and inside [prefix, prefix_end(prefix))
        auto prefix = client_key(Kind::Outgoing, client);
        EXPECT_EQ(keys[i].first.rfind(prefix, 0), 0u);
        EXPECT_LT(keys[i].first, prefix_end(prefix));
    }
    EXPECT_EQ(runs.size(), clients.size());
}

TEST(PersistCodec, PrefixRangesOfOtherClientsAreDisjoint) {
    const std::vector<std::string> clients = {"", "a", "ab", "a\xff", std::string("a\0", 2), "b"};
    for (auto& c1 : clients) {
        for (auto& c2 : clients) {
            if (c1 == c2) continue;
            auto p1 = client_key(Kind::Subscription, c1);
            auto k2 = subscription_key(c2, "any/filter");
            EXPECT_FALSE(k2 >= p1 && k2 < prefix_end(p1))
                << "client '" << c2 << "' in range of '" << c1 << "'";
        }
    }
}

TEST(PersistCodec, ParseKeyRoundTrip) {
    std::string client("c\0\xff", 3);
    std::string key;  // parse_key returns views into the key
    auto p = parse_key(key = message_key(123456789));
    EXPECT_EQ(p.kind, Kind::Message);
    EXPECT_EQ(p.number, 123456789u);
    p = parse_key(key = retained_key("a/b/c"));
    EXPECT_EQ(p.kind, Kind::Retained);
    EXPECT_EQ(p.text, "a/b/c");
    p = parse_key(key = client_key(Kind::Session, client));
    EXPECT_EQ(p.kind, Kind::Session);
    EXPECT_EQ(p.client_id, client);
    p = parse_key(key = client_key(Kind::Will, client));
    EXPECT_EQ(p.kind, Kind::Will);
    EXPECT_EQ(p.client_id, client);
    p = parse_key(key = subscription_key(client, "x/#"));
    EXPECT_EQ(p.kind, Kind::Subscription);
    EXPECT_EQ(p.client_id, client);
    EXPECT_EQ(p.text, "x/#");
    p = parse_key(key = outgoing_key(client, ~0ull));
    EXPECT_EQ(p.kind, Kind::Outgoing);
    EXPECT_EQ(p.number, ~0ull);
    p = parse_key(key = incoming_qos2_key(client, 65535));
    EXPECT_EQ(p.kind, Kind::IncomingQos2);
    EXPECT_EQ(p.number, 65535u);

    EXPECT_THROW(parse_key(""), DecodeError);
    EXPECT_THROW(parse_key("Zabc"), DecodeError);
    EXPECT_THROW(parse_key(message_key(1) + "x"), DecodeError);
    EXPECT_THROW(parse_key(message_key(1).substr(0, 5)), DecodeError);
    auto s = client_key(Kind::Session, "abc");
    EXPECT_THROW(parse_key(s.substr(0, s.size() - 1)), DecodeError);
    EXPECT_THROW(parse_key(s + "x"), DecodeError);
    auto q = incoming_qos2_key("abc", 1);
    EXPECT_THROW(parse_key(q + "x"), DecodeError);
}

TEST(PersistCodec, ValuesRoundTrip) {
    StoredMessage m = tapmq::persist::testing::make_message(42, "t/x", std::string("\0\1\2", 3));
    m.expires_at_unix_ms = -1;
    m.properties = "props";
    EXPECT_EQ(decode_message(encode_message(m)), m);
    StoredSession s{"", 7, 99};
    EXPECT_EQ(decode_session(encode_session(s)), s);
    auto sub = decode_subscription(encode_subscription(0x2e, 0xfffffff));
    EXPECT_EQ(sub.options, 0x2e);
    EXPECT_EQ(sub.identifier, 0xfffffffu);
    StoredOutgoing o{9, 2, true, 2, 12, {1, 268435455}, "shared", std::nullopt};
    EXPECT_EQ(decode_outgoing(encode_outgoing(o)), o);
    EXPECT_NO_THROW(decode_incoming_qos2(encode_incoming_qos2()));
    StoredWill w{m, 3, -7, {}};
    EXPECT_EQ(decode_will(encode_will(w)), w);
    StoredWill w2{m, 0, 0, 0xffffffffu};
    EXPECT_EQ(decode_will(encode_will(w2)), w2);
    EXPECT_EQ(decode_format(encode_format(1)), 1u);
}

// check_retain_source: a retained message keeps its publisher (version 2); one without is written
// as version 1, byte for byte what stores before sources wrote, and both read back.
TEST(PersistCodec, MessageWithItsPublisher) {
    StoredMessage m = tapmq::persist::testing::make_message(7, "status/dev1", "online");
    const std::string v1 = encode_message(m);
    EXPECT_EQ(v1[0], 1);
    m.source = StoredSource{"dev1", "client-1", "port 1883"};
    const std::string v2 = encode_message(m);
    EXPECT_EQ(v2[0], 2);
    EXPECT_EQ(decode_message(v2), m);
    m.source = StoredSource{std::nullopt, "", "unix socket /run/x"};
    EXPECT_EQ(decode_message(encode_message(m)), m);
    m.source.reset();
    EXPECT_EQ(decode_message(v1), m);
    // Cut short or with bytes after the source: refused, never half-read.
    for (std::size_t cut = 1; cut < 20; ++cut) {
        std::string broken = v2.substr(0, v2.size() - 4 - cut);
        broken.resize(broken.size() + 4);
        const std::uint32_t crc = tapmq::persist::detail::crc32c(broken.data(), broken.size() - 4);
        for (int i = 0; i < 4; ++i)
            broken[broken.size() - 4 + i] = static_cast<char>(crc >> (24 - 8 * i));
        EXPECT_THROW(decode_message(broken), DecodeError) << cut;
    }
}

TEST(PersistCodec, OutgoingEntryWithItsMessageInline) {
    StoredMessage m = tapmq::persist::testing::make_message(0, "t/inline", std::string("\0pay\xff", 5));
    m.properties = "p";
    m.expires_at_unix_ms = 1234;
    StoredOutgoing o{0, 1, false, 1, 7, {5}, "", m};
    EXPECT_EQ(decode_outgoing(encode_outgoing(o)), o);
    // An entry holds its message or names it by id, never both.
    StoredOutgoing both{3, 1, false, 1, 7, {}, "", m};
    EXPECT_THROW(encode_outgoing(both), std::invalid_argument);
}

TEST(PersistCodec, FormatOneOutgoingEntriesAreStillRead) {
    // Value version 1 (format 1 stores): no inline-message field after the share name.
    std::string v(1, '\x01');
    auto be = [&v](std::uint64_t x, int bytes) {
        for (int i = bytes - 1; i >= 0; --i)
            v.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
    };
    be(77, 8);                            // message id
    v += std::string("\x01\x00\x01", 3);  // qos 1, retain 0, stage 1
    be(9, 2);                             // packet id
    be(1, 4);                             // one subscription id
    be(300, 4);
    be(1, 4);  // share "g"
    v += "g";
    be(crc32c(v.data(), v.size()), 4);
    StoredOutgoing expected{77, 1, false, 1, 9, {300}, "g", std::nullopt};
    EXPECT_EQ(decode_outgoing(v), expected);
    // The same bytes as version 2 lack the inline flag: truncated.
    std::string framed = v.substr(0, v.size() - 4);
    framed[0] = 2;
    const std::uint32_t crc = crc32c(framed.data(), framed.size());
    for (int i = 3; i >= 0; --i)
        framed.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    EXPECT_THROW(decode_outgoing(framed), DecodeError);
}

// A value with the given version byte, body and checksum.
std::string framed_value(char version, const std::string& body) {
    std::string v(1, version);
    v += body;
    const std::uint32_t crc = crc32c(v.data(), v.size());
    for (int i = 3; i >= 0; --i)
        v.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return v;
}

std::string be_bytes(std::uint64_t x, int bytes) {
    std::string out;
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
    return out;
}

TEST(PersistCodec, FormatTwoOutgoingEntriesAreStillRead) {
    // Value version 2 (format 2 stores): fixed-width fields, the message inline after a flag.
    std::string body = be_bytes(0, 8) + std::string("\x02\x01\x01", 3) + be_bytes(9, 2) + be_bytes(0, 4) +
                       be_bytes(0, 4) + "\x01";
    body += be_bytes(0, 8) + be_bytes(3, 4) + "a/b" + be_bytes(2, 4) + "hi" + std::string("\x02\x01", 2) +
            be_bytes(1, 4) + "p" + std::string("\x01", 1) + be_bytes(5000, 8);
    StoredMessage m = tapmq::persist::testing::make_message(0, "a/b", "hi");
    m.qos = 2;
    m.retain = true;
    m.properties = "p";
    m.expires_at_unix_ms = 5000;
    StoredOutgoing expected{0, 2, true, 1, 9, {}, "", m};
    EXPECT_EQ(decode_outgoing(framed_value(2, body)), expected);
}

TEST(PersistCodec, AQueueRecordHoldingItsMessageIsCompact) {
    // What a durable QoS 1 message costs per queue record: flags, packet id, topic and payload with
    // one-byte lengths, the version byte and the checksum; nothing for absent fields.
    const std::string topic = "tapmq-bench/1234/p17";
    const std::string payload(16, 'x');
    StoredOutgoing o{0, 1, false, 1, 513, {}, "", tapmq::persist::testing::make_message(0, topic, payload)};
    o.message->qos = 1;
    const std::string v = encode_outgoing(o);
    EXPECT_EQ(v.size(), 1 + 1 + 2 + 1 + 1 + topic.size() + 1 + payload.size() + 4);
    EXPECT_EQ(decode_outgoing(v), o);
    // Subscription ids, a share name, a message by id and an expiry are kept when present.
    StoredOutgoing rich{1ull << 40, 2, true, 3, 65535, {1, 268435455}, "group", std::nullopt};
    EXPECT_EQ(decode_outgoing(encode_outgoing(rich)), rich);
    o.message->expires_at_unix_ms = -3;
    o.message->retain = true;
    EXPECT_EQ(decode_outgoing(encode_outgoing(o)), o);
}

TEST(PersistCodec, CompactQueueRecordsRejectWhatTheyCannotHold) {
    StoredOutgoing with_id{0, 1, false, 1, 7, {}, "", tapmq::persist::testing::make_message(5, "t", "p")};
    EXPECT_THROW(encode_outgoing(with_id), std::invalid_argument);  // an inline message has no id
    // Flags naming QoS 3, both an inline message and an id, or unknown message flags.
    EXPECT_THROW(decode_outgoing(framed_value(3, std::string("\x03", 1) + be_bytes(1, 2))), DecodeError);
    EXPECT_THROW(decode_outgoing(framed_value(3, std::string("\x61", 1) + be_bytes(1, 2) + "\x05")),
                 DecodeError);
    EXPECT_THROW(decode_outgoing(framed_value(3, std::string("\x21", 1) + be_bytes(1, 2) + "\x20\x01t\x01p")),
                 DecodeError);
    // A length running past the end.
    EXPECT_THROW(decode_outgoing(framed_value(3, std::string("\x21", 1) + be_bytes(1, 2) + "\x01\x09t\x01p")),
                 DecodeError);
}

TEST(PersistCodec, EveryBitFlipAndTruncationIsDetected) {
    StoredOutgoing o{9, 2, true, 2, 12, {1, 2, 3}, "shared", std::nullopt};
    const auto good = encode_outgoing(o);
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            auto bad = good;
            bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
            EXPECT_THROW(decode_outgoing(bad), DecodeError) << "byte " << i << " bit " << bit;
        }
    }
    for (std::size_t n = 0; n < good.size(); ++n)
        EXPECT_THROW(decode_outgoing(good.substr(0, n)), DecodeError);
    EXPECT_THROW(decode_outgoing(good + "x"), DecodeError);
    // A value of another kind with a valid checksum does not pass as this one.
    EXPECT_THROW(decode_outgoing(encode_incoming_qos2()), DecodeError);
    EXPECT_THROW(decode_session(encode_subscription(1, 1)), DecodeError);
}

// ---- write-ahead log damage detection ----

// Lays records out as RocksDB's log::Writer does (non-recycled log).
std::string make_log(const std::vector<std::string>& records) {
    constexpr std::size_t kBlock = 32768, kHeader = 7;
    std::string out;
    std::size_t block_off = 0;
    for (const auto& rec : records) {
        const char* p = rec.data();
        std::size_t left = rec.size();
        bool begin = true;
        do {
            if (kBlock - block_off < kHeader) {
                out.append(kBlock - block_off, '\0');
                block_off = 0;
            }
            std::size_t avail = kBlock - block_off - kHeader;
            std::size_t frag = std::min(left, avail);
            bool end = frag == left;
            char type = begin && end ? 1 : begin ? 2 : end ? 4 : 3;
            std::uint32_t crc = crc32c_mask(crc32c_extend(crc32c(&type, 1), p, frag));
            for (int i = 0; i < 4; ++i)
                out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
            out.push_back(static_cast<char>(frag & 0xff));
            out.push_back(static_cast<char>(frag >> 8));
            out.push_back(type);
            out.append(p, frag);
            block_off += kHeader + frag;
            p += frag;
            left -= frag;
            begin = false;
        } while (left > 0);
    }
    return out;
}

std::vector<std::string> sample_records() {
    std::mt19937 rng(7);
    std::vector<std::string> recs;
    for (int i = 0; i < 40; ++i) {
        std::size_t n = i % 10 == 9 ? 50'000 + rng() % 30'000 : 20 + rng() % 2000;
        std::string r(n, '\0');
        for (auto& c : r)
            c = static_cast<char>(rng());
        recs.push_back(std::move(r));
    }
    return recs;
}

TEST(PersistWalCheck, IntactLogs) {
    EXPECT_FALSE(check_wal(""));
    EXPECT_FALSE(check_wal(make_log({""})));
    EXPECT_FALSE(check_wal(make_log(sample_records())));
    // a record ending exactly 6 bytes before a block end: the writer pads the block
    EXPECT_FALSE(check_wal(make_log({std::string(32768 - 7 - 6, 'x'), "next"})));
}

TEST(PersistWalCheck, TruncatedLogsAreTornTails) {
    auto log = make_log(sample_records());
    for (std::size_t cut = 0; cut < log.size(); cut += 97) {
        auto d = check_wal(std::string_view(log).substr(0, cut));
        EXPECT_FALSE(d) << "cut at " << cut;
    }
}

TEST(PersistWalCheck, ZeroedOrGarbageTailIsTolerated) {
    auto recs = sample_records();
    auto log = make_log(recs);
    auto last_start = make_log(std::vector<std::string>(recs.begin(), recs.end() - 1)).size();
    for (char fill : {'\0', '\x5a'}) {
        auto damaged = log;
        std::fill(damaged.begin() + static_cast<std::ptrdiff_t>(last_start) + 3, damaged.end(), fill);
        EXPECT_FALSE(check_wal(damaged)) << int(fill);
    }
}

TEST(PersistWalCheck, DamageFollowedByIntactRecordsIsReported) {
    auto recs = sample_records();
    auto log = make_log(recs);
    std::mt19937 rng(11);
    const auto last_start = make_log(std::vector<std::string>(recs.begin(), recs.end() - 2)).size();
    int reported = 0;
    for (int i = 0; i < 200; ++i) {
        auto off = rng() % last_start;  // damage somewhere before the last two records
        auto damaged = log;
        for (std::size_t k = off; k < off + 16 && k < damaged.size(); ++k)
            damaged[k] = static_cast<char>(rng());
        if (auto d = check_wal(damaged)) {
            ++reported;
            EXPECT_LE(d->damaged_at, off + 16);
            EXPECT_GT(d->intact_at, d->damaged_at);
        }
    }
    EXPECT_EQ(reported, 200);
}

TEST(PersistWalCheck, ZeroHeaderFollowedByIntactRecordsInTheSameBlock) {
    auto log = make_log({"aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cc"});
    auto damaged = log;
    std::fill(damaged.begin() + 27, damaged.begin() + 27 + 46, '\0');  // the second record, zeroed
    auto d = check_wal(damaged);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->damaged_at, 27u);
}

}  // namespace
