// DatalogQueue: FIFO with acknowledgements, bounds and drops, reopening, torn tails at every cut
// point, torn head slots, compaction (and a crash in the middle of it).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "relay/crc32.hpp"
#include "relay/datalog_queue.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay {
namespace {

using test::TempDir;
using Q = DatalogQueue;

Q::Options fast() {
    Q::Options o;
    o.sync = false;
    return o;
}

std::vector<std::string> contents(const Q& q) {
    std::vector<std::string> out;
    for (auto& r : q.peek(q.size()))
        out.push_back(r.data);
    return out;
}

TEST(RelayDatalog, PushPeekPop) {
    TempDir tmp;
    Q q(StateDir(tmp.path()));
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(q.front());
    EXPECT_FALSE(q.pop());
    EXPECT_EQ(q.push("one"), 1u);
    EXPECT_EQ(q.push("two"), 2u);
    EXPECT_EQ(q.push(""), 3u);
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.bytes(), 8u * 3 + 6);
    EXPECT_EQ(q.front(), (Q::Record{1, "one"}));
    auto two = q.peek(2);
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[1], (Q::Record{2, "two"}));
    EXPECT_EQ(q.peek(10).size(), 3u);
    EXPECT_TRUE(q.pop());
    EXPECT_EQ(q.front(), (Q::Record{2, "two"}));
    EXPECT_EQ(q.pop_through(3), 2u);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.next_seq(), 4u);
    EXPECT_EQ(q.push(std::string("\0\xff", 2)), 4u);
    EXPECT_EQ(q.front()->data, std::string("\0\xff", 2));
}

TEST(RelayDatalog, SurvivesReopen) {
    TempDir tmp;
    {
        Q q(StateDir(tmp.path()));
        q.push("a");
        q.push("b");
        q.push("c");
        q.pop();
    }
    Q q(StateDir(tmp.path()));
    EXPECT_EQ(contents(q), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(q.front()->seq, 2u);
    EXPECT_EQ(q.push("d"), 4u);
    EXPECT_EQ(q.torn_bytes(), 0u);
}

TEST(RelayDatalog, PopThroughIgnoresSeqsAlreadyGone) {
    TempDir tmp;
    auto o = fast();
    o.max_records = 3;
    Q q(StateDir(tmp.path()), o);
    for (int i = 1; i <= 3; ++i)
        q.push("r" + std::to_string(i));
    auto sent = q.front()->seq;  // the publisher sends seq 1...
    q.push("r4");                // ...which is dropped before its PUBACK
    EXPECT_EQ(q.pop_through(sent), 0u);
    EXPECT_EQ(q.front()->seq, 2u);
    EXPECT_EQ(q.pop_through(2), 1u);
    EXPECT_EQ(q.pop_through(100), 2u);
    EXPECT_TRUE(q.empty());
}

TEST(RelayDatalog, BoundedInRecordsDropsOldest) {
    TempDir tmp;
    auto o = fast();
    o.max_records = 3;
    {
        Q q(StateDir(tmp.path()), o);
        for (int i = 1; i <= 5; ++i)
            q.push("r" + std::to_string(i));
        EXPECT_EQ(q.size(), 3u);
        EXPECT_EQ(q.dropped(), 2u);
        EXPECT_EQ(contents(q), (std::vector<std::string>{"r3", "r4", "r5"}));
        EXPECT_EQ(q.front()->seq, 3u);
    }
    Q q(StateDir(tmp.path()), o);
    EXPECT_EQ(q.dropped(), 2u);
    EXPECT_EQ(contents(q), (std::vector<std::string>{"r3", "r4", "r5"}));
}

TEST(RelayDatalog, BoundedInBytes) {
    TempDir tmp;
    auto o = fast();
    o.max_bytes = 100;  // 8-byte header + 22 bytes = 30 per record: three fit
    Q q(StateDir(tmp.path()), o);
    std::string rec(22, 'x');
    for (int i = 0; i < 3; ++i)
        q.push(rec);
    EXPECT_EQ(q.dropped(), 0u);
    q.push(rec);
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.dropped(), 1u);
    q.push(std::string(80, 'y'));  // needs every other record gone
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.dropped(), 4u);
    EXPECT_LE(q.bytes(), 100u);
    EXPECT_THROW(q.push(std::string(93, 'z')), std::length_error);
    EXPECT_EQ(q.size(), 1u);  // refused without dropping anything
    q.push(std::string(92, 'z'));
    EXPECT_EQ(q.size(), 1u);
}

TEST(RelayDatalog, TornTailIsDroppedAtEveryCutPoint) {
    TempDir tmp;
    const auto dir = tmp.path() / "q";
    {
        Q q(StateDir(dir), fast());
        q.push("first record");
        q.push("second");
        q.push("the third and last");
        q.pop();
    }
    const std::string log = test::slurp(dir / "datalog.log");
    const std::string head = test::slurp(dir / "datalog.head");
    const std::size_t header = 28, r1 = 8 + 12, r2 = 8 + 6, r3 = 8 + 18;
    ASSERT_EQ(log.size(), header + r1 + r2 + r3);
    for (std::size_t cut = header + r1; cut < log.size(); ++cut) {
        const auto d = tmp.path() / ("cut" + std::to_string(cut));
        std::filesystem::create_directory(d);
        test::spit(d / "datalog.log", log.substr(0, cut));
        test::spit(d / "datalog.head", head);
        Q q(StateDir(d), fast());
        std::vector<std::string> want{};
        if (cut >= header + r1 + r2) want.push_back("second");
        EXPECT_EQ(contents(q), want) << cut;
        EXPECT_EQ(q.torn_bytes(), cut - header - r1 - (want.empty() ? 0 : r2)) << cut;
        EXPECT_EQ(std::filesystem::file_size(d / "datalog.log"), header + r1 + (want.empty() ? 0 : r2));
        // The queue goes on from there.
        auto seq = q.push("after");
        EXPECT_EQ(seq, want.empty() ? 2u : 3u);
        Q again(StateDir(d), fast());
        EXPECT_EQ(again.size(), want.size() + 1);
        EXPECT_EQ(again.torn_bytes(), 0u);
    }
}

TEST(RelayDatalog, CorruptLastRecordIsDropped) {
    TempDir tmp;
    {
        Q q(StateDir(tmp.path()), fast());
        q.push("good");
        q.push("flipped");
    }
    auto log = test::slurp(tmp.path() / "datalog.log");
    log[log.size() - 2] ^= 0x01;
    test::spit(tmp.path() / "datalog.log", log);
    Q q(StateDir(tmp.path()), fast());
    EXPECT_EQ(contents(q), (std::vector<std::string>{"good"}));
    EXPECT_EQ(q.torn_bytes(), 15u);
}

TEST(RelayDatalog, TornHeadSlotFallsBackToThePreviousOne) {
    TempDir tmp;
    {
        Q q(StateDir(tmp.path()), fast());
        q.push("a");
        q.push("b");
        q.push("c");
        q.pop();
        q.pop();  // the newest slot: a torn write of it must leave the pop before
    }
    auto head = test::slurp(tmp.path() / "datalog.head");
    ASSERT_EQ(head.size(), 64u + 36);
    // Slot counters: 1 at open, 2 and 3 for the pops; counter 3 lives in slot 1.
    head[64 + 20] ^= 0x40;
    test::spit(tmp.path() / "datalog.head", head);
    Q q(StateDir(tmp.path()), fast());
    EXPECT_EQ(contents(q), (std::vector<std::string>{"b", "c"}));
}

TEST(RelayDatalog, CompactionKeepsTheFileSmall) {
    TempDir tmp;
    auto o = fast();
    o.max_bytes = 1000;
    o.compact_min_bytes = 200;
    Q q(StateDir(tmp.path()), o);
    std::uint64_t largest = 0;
    std::uint64_t next_pop = 1;
    for (int i = 1; i <= 500; ++i) {
        q.push("record " + std::to_string(i));
        if (q.size() > 10) {
            EXPECT_EQ(q.front()->seq, next_pop);
            q.pop();
            ++next_pop;
        }
        largest = std::max<std::uint64_t>(largest, std::filesystem::file_size(tmp.path() / "datalog.log"));
    }
    EXPECT_LE(largest, 28u + 2 * 1000 + 200);
    EXPECT_EQ(q.dropped(), 0u);
    const auto before = contents(q);
    Q again(StateDir(tmp.path()), o);
    EXPECT_EQ(contents(again), before);
    EXPECT_EQ(again.front()->seq, next_pop);
    EXPECT_EQ(again.next_seq(), 501u);
}

TEST(RelayDatalog, CrashBetweenCompactionAndHeadWrite) {
    TempDir tmp;
    auto o = fast();
    o.compact_min_bytes = 1;
    {
        Q q(StateDir(tmp.path()), o);
        q.push("x1");
        q.push("x2");
        q.push("x3");
        q.pop();  // dead prefix 10 bytes < live 20
        q.pop();  // dead 20 >= live 10: compacts into generation 2, then a new head slot
        EXPECT_EQ(q.file_bytes(), 28u + 10);
    }
    // Undo the last head slot write: the log is one generation ahead of the head.
    auto head = test::slurp(tmp.path() / "datalog.head");
    auto log = test::slurp(tmp.path() / "datalog.log");
    ASSERT_EQ(log.size(), 38u);
    // Slots: 1 open, 2 pop, 3 pop, 4 after compaction (slot 0).
    head[20] ^= 0x01;
    test::spit(tmp.path() / "datalog.head", head);
    Q q(StateDir(tmp.path()), o);
    EXPECT_EQ(contents(q), (std::vector<std::string>{"x3"}));
    EXPECT_EQ(q.front()->seq, 3u);
    EXPECT_EQ(q.push("x4"), 4u);
}

TEST(RelayDatalog, RefusesForeignOrMismatchedFiles) {
    TempDir tmp;
    test::spit(tmp.path() / "datalog.log", "this is not a datalog at all, is it?");
    try {
        Q q(StateDir(tmp.path()));
        FAIL();
    } catch (const StateError& e) {
        EXPECT_NE(std::string(e.what()).find("datalog.log: not a datalog"), std::string::npos) << e.what();
    }

    // A head slot naming generation 1 next to a log of generation 3: they do not belong together.
    TempDir tmp2;
    { Q q(StateDir(tmp2.path()), fast()); }
    auto log = test::slurp(tmp2.path() / "datalog.log");
    ASSERT_EQ(log.size(), 28u);
    log[15] = 3;
    auto crc = crc32(std::as_bytes(std::span<const char>(log.data(), 24)));
    for (int i = 0; i < 4; ++i)
        log[24 + i] = static_cast<char>(crc >> (24 - 8 * i));
    test::spit(tmp2.path() / "datalog.log", log);
    try {
        Q q(StateDir(tmp2.path()), fast());
        FAIL();
    } catch (const StateError& e) {
        EXPECT_NE(std::string(e.what()).find("datalog.head: names log generation 1, the log is generation 3"),
                  std::string::npos)
            << e.what();
    }

    // A lost log starts afresh, one generation on.
    std::filesystem::remove(tmp2.path() / "datalog.log");
    Q q(StateDir(tmp2.path()), fast());
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.push("new"), 1u);
}

TEST(RelayDatalog, DurableModeWorks) {
    TempDir tmp;
    {
        Q q(StateDir(tmp.path()));  // sync on: fdatasync per change
        for (int i = 0; i < 5; ++i)
            q.push("d" + std::to_string(i));
        q.pop_through(2);
    }
    Q q(StateDir(tmp.path()));
    EXPECT_EQ(contents(q), (std::vector<std::string>{"d2", "d3", "d4"}));
}

}  // namespace
}  // namespace tapmq::relay
