// tapmq_persist Store against a real RocksDB in a temporary directory: round trips of every record kind,
// erase_session, group commit, callbacks only after durability, and the store's own lifecycle.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "persist/store.hpp"
#include "test_persist_util.hpp"

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::testing;
namespace fs = std::filesystem;

StoreOptions options(const fs::path& dir, Durability d = Durability::Fsync) {
    StoreOptions o;
    o.dir = dir;
    o.durability = d;
    return o;
}

const std::string kOddClient = std::string("odd\0\xff/client", 13);

TEST(PersistStore, CreatesAnEmptyStore) {
    TempDir t;
    auto s = Store::open(options(t.store()));
    EXPECT_TRUE(fs::is_directory(t.store()));
    EXPECT_TRUE(s->recovery_note().empty());
    EXPECT_EQ(load_all(*s).total(), 0u);
    s.reset();
    s = Store::open(options(t.store()));  // and reopens it
    EXPECT_EQ(load_all(*s).total(), 0u);
}

TEST(PersistStore, RoundTripOfEveryRecordKind) {
    TempDir t;
    StoredMessage m1 = make_message(1, "sensors/1/temp", "21.5");
    m1.properties = std::string("\x01\x01\x23\x00\x02\x00\x00", 7);
    m1.expires_at_unix_ms = 1'700'000'000'123;
    m1.qos = 2;
    StoredMessage m2 = make_message(0xfedcba9876543210ull, "", "");  // empty topic and payload
    m2.payload = std::string(70'000, '\0');                          // a payload bigger than a log block
    StoredMessage r1 = make_message(77, "retained/topic", "kept");
    r1.retain = true;
    StoredMessage r2 = make_message(78, std::string("bin\0topic", 9), "x");
    r2.retain = true;
    StoredSession s1{"client-1", 3600, std::nullopt};
    StoredSession s2{kOddClient, 0xffffffffu, -5};
    StoredOutgoing o1{1, 1, false, 1, 17, {1, 2, 300}, "", std::nullopt};
    StoredOutgoing o2{0xfedcba9876543210ull, 2, true, 3, 65535, {}, "group", std::nullopt};
    StoredOutgoing o3{1, 0, false, 0, 0, {}, "", std::nullopt};
    StoredWill w{make_message(5, "will/topic", "bye"), 30, 1'700'000'030'000, 60};
    w.msg.properties = "p";

    {
        auto s = Store::open(options(t.store()));
        Batch b1;
        b1.put_message(m1);
        b1.put_message(m2);
        b1.put_retained(r1);
        b1.put_retained(r2);
        s->submit(std::move(b1));
        Batch b2;
        b2.put_session(s1);
        b2.put_session(s2);
        b2.put_subscription("client-1", "sensors/+/temp", 0x01 | 0x04 | 0x08 | 0x20, 42);
        b2.put_subscription(kOddClient, "#", 2, 0);
        // out of order, and seqs whose little-endian order differs from numeric order
        b2.put_outgoing("client-1", 256, o2);
        b2.put_outgoing("client-1", 1, o1);
        b2.put_outgoing("client-1", 65536, o3);
        b2.put_outgoing(kOddClient, 7, o1);
        b2.put_incoming_qos2("client-1", 513);
        b2.put_incoming_qos2("client-1", 2);
        b2.put_will(kOddClient, w);
        bool called = false;
        s->submit(std::move(b2), [&] { called = true; });
        s->flush();
        EXPECT_TRUE(called);
    }
    auto s = Store::open(options(t.store()));
    auto c = load_all(*s);
    EXPECT_EQ(c.order, (std::vector<std::string>{"message", "retained", "session", "subscription", "outgoing",
                                                 "qos2", "will"}));
    ASSERT_EQ(c.messages.size(), 2u);
    EXPECT_EQ(c.messages[1], m1);
    EXPECT_EQ(c.messages[m2.id], m2);
    ASSERT_EQ(c.retained_by_topic.size(), 2u);
    EXPECT_EQ(c.retained_by_topic["retained/topic"], r1);
    EXPECT_EQ(c.retained_by_topic[r2.topic], r2);
    ASSERT_EQ(c.sessions.size(), 2u);
    EXPECT_EQ(c.sessions["client-1"], s1);
    EXPECT_EQ(c.sessions[kOddClient], s2);
    ASSERT_EQ(c.subscriptions.size(), 2u);
    EXPECT_EQ(c.subscriptions[std::make_pair(std::string("client-1"), std::string("sensors/+/temp"))],
              std::make_pair(std::uint8_t{0x2d}, std::uint32_t{42}));
    EXPECT_EQ(c.subscriptions[std::make_pair(kOddClient, std::string("#"))],
              std::make_pair(std::uint8_t{2}, std::uint32_t{0}));
    // Each client's queue comes in seq order.
    std::vector<std::pair<std::string, std::uint64_t>> seqs;
    for (auto& [client, seq, o] : c.outgoing_list)
        seqs.emplace_back(client, seq);
    std::vector<std::pair<std::string, std::uint64_t>> client1;
    std::copy_if(seqs.begin(), seqs.end(), std::back_inserter(client1),
                 [](auto& p) { return p.first == "client-1"; });
    EXPECT_EQ(client1, (std::vector<std::pair<std::string, std::uint64_t>>{
                           {"client-1", 1}, {"client-1", 256}, {"client-1", 65536}}));
    for (auto& [client, seq, o] : c.outgoing_list) {
        if (client == "client-1" && seq == 1) {
            EXPECT_EQ(o, o1);
        }
        if (client == "client-1" && seq == 256) {
            EXPECT_EQ(o, o2);
        }
        if (client == "client-1" && seq == 65536) {
            EXPECT_EQ(o, o3);
        }
        if (client == kOddClient) {
            EXPECT_EQ(o, o1);
        }
    }
    EXPECT_EQ(c.outgoing_list.size(), 4u);
    EXPECT_EQ(c.qos2,
              (std::vector<std::pair<std::string, std::uint16_t>>{{"client-1", 2}, {"client-1", 513}}));
    ASSERT_EQ(c.wills.size(), 1u);
    EXPECT_EQ(c.wills[kOddClient], w);
}

TEST(PersistStore, SingleErasesAndOverwrites) {
    TempDir t;
    {
        auto s = Store::open(options(t.store()));
        Batch b;
        b.put_message(make_message(1));
        b.put_message(make_message(2));
        b.put_retained(make_message(3, "r/1"));
        b.put_retained(make_message(4, "r/2"));
        b.put_session({"c", 10, std::nullopt});
        b.put_subscription("c", "f/1", 1, 0);
        b.put_subscription("c", "f/2", 1, 0);
        b.put_outgoing("c", 1, {1, 1, false, 0, 0, {}, "", std::nullopt});
        b.put_outgoing("c", 2, {2, 1, false, 0, 0, {}, "", std::nullopt});
        b.put_incoming_qos2("c", 1);
        b.put_incoming_qos2("c", 2);
        b.put_will("c", {make_message(9), 5, 100, {}});
        s->submit(std::move(b));
        Batch e;
        e.erase_message(1);
        e.erase_retained("r/1");
        e.erase_subscription("c", "f/1");
        e.erase_outgoing("c", 1);
        e.put_outgoing("c", 2, {2, 1, false, 1, 99, {}, "", std::nullopt});  // overwrite: now in flight
        e.erase_incoming_qos2("c", 1);
        e.erase_will("c");
        e.put_session({"c", 20, 1234});  // overwrite
        s->submit(std::move(e));
    }  // the destructor writes what is pending
    auto s = Store::open(options(t.store()));
    auto c = load_all(*s);
    EXPECT_EQ(c.messages.count(1), 0u);
    EXPECT_EQ(c.messages.count(2), 1u);
    EXPECT_EQ(c.retained_by_topic.count("r/1"), 0u);
    EXPECT_EQ(c.retained_by_topic.count("r/2"), 1u);
    EXPECT_EQ(c.subscriptions.size(), 1u);
    EXPECT_EQ(c.subscriptions.count({"c", "f/2"}), 1u);
    ASSERT_EQ(c.outgoing_list.size(), 1u);
    EXPECT_EQ(std::get<1>(c.outgoing_list[0]), 2u);
    EXPECT_EQ(std::get<2>(c.outgoing_list[0]).stage, 1);
    EXPECT_EQ(std::get<2>(c.outgoing_list[0]).packet_id, 99);
    EXPECT_EQ(c.qos2, (std::vector<std::pair<std::string, std::uint16_t>>{{"c", 2}}));
    EXPECT_TRUE(c.wills.empty());
    EXPECT_EQ(c.sessions["c"], (StoredSession{"c", 20, 1234}));
}

void put_everything(Batch& b, const std::string& client, std::uint64_t base) {
    b.put_session({client, 60, std::nullopt});
    b.put_subscription(client, "t/#", 1, 1);
    b.put_subscription(client, "u", 0, 0);
    b.put_outgoing(client, 1, {base, 1, false, 0, 0, {}, "", std::nullopt});
    b.put_outgoing(client, 2, {base + 1, 1, false, 1, 5, {}, "", std::nullopt});
    b.put_incoming_qos2(client, 7);
    b.put_will(client, {make_message(base + 2), 1, 2, {}});
}

TEST(PersistStore, EraseSessionRemovesEverythingOfThatClientOnly) {
    TempDir t;
    // Ids that are prefixes of one another, or differ only after a NUL or 0xff byte.
    const std::vector<std::string> others = {"", "ab", "a\xff", std::string("a\0", 2), "b", "A"};
    {
        auto s = Store::open(options(t.store()));
        Batch b;
        put_everything(b, "a", 100);
        for (std::size_t i = 0; i < others.size(); ++i)
            put_everything(b, others[i], 1000 * (i + 1));
        b.put_message(make_message(100));  // messages are the broker's business: erase_session keeps them
        s->submit(std::move(b));
        Batch e;
        e.erase_session("a");
        s->submit(std::move(e));
    }
    auto s = Store::open(options(t.store()));
    auto c = load_all(*s);
    EXPECT_EQ(c.sessions.size(), others.size());
    EXPECT_EQ(c.sessions.count("a"), 0u);
    for (auto& [k, v] : c.subscriptions)
        EXPECT_NE(k.first, "a");
    for (auto& [client, seq, o] : c.outgoing_list)
        EXPECT_NE(client, "a");
    for (auto& [client, id] : c.qos2)
        EXPECT_NE(client, "a");
    EXPECT_EQ(c.wills.count("a"), 0u);
    EXPECT_EQ(c.subscriptions.size(), 2 * others.size());
    EXPECT_EQ(c.outgoing_list.size(), 2 * others.size());
    EXPECT_EQ(c.qos2.size(), others.size());
    EXPECT_EQ(c.wills.size(), others.size());
    EXPECT_EQ(c.messages.count(100), 1u);
}

TEST(PersistStore, EraseSessionThenRecreateInTheSameBatch) {
    TempDir t;
    {
        auto s = Store::open(options(t.store()));
        Batch b;
        put_everything(b, "c", 1);
        s->submit(std::move(b));
        Batch clean_start;  // what a clean-start CONNECT does
        clean_start.erase_session("c");
        clean_start.put_session({"c", 0, std::nullopt});
        clean_start.put_subscription("c", "new", 2, 9);
        s->submit(std::move(clean_start));
    }
    auto s = Store::open(options(t.store()));
    auto c = load_all(*s);
    EXPECT_EQ(c.sessions["c"].expiry_interval, 0u);
    ASSERT_EQ(c.subscriptions.size(), 1u);
    EXPECT_EQ(c.subscriptions.begin()->first.second, "new");
    EXPECT_TRUE(c.outgoing_list.empty());
    EXPECT_TRUE(c.qos2.empty());
    EXPECT_TRUE(c.wills.empty());
}

TEST(PersistStore, LaterBatchesApplyAfterEarlierOnes) {
    TempDir t;
    {
        auto s = Store::open(options(t.store()));
        for (int i = 0; i < 200; ++i) {
            Batch b;
            if (i % 2 == 0)
                b.put_message(make_message(1, "t", std::to_string(i)));
            else
                b.erase_message(1);
            s->submit(std::move(b));
        }
        Batch last;
        last.put_message(make_message(1, "t", "last"));
        s->submit(std::move(last));
    }
    auto s = Store::open(options(t.store()));
    EXPECT_EQ(load_all(*s).messages[1].payload, "last");
}

TEST(PersistStore, GroupCommitMergesBatches) {
    TempDir t;
    auto s = Store::open(options(t.store()));
    constexpr int kThreads = 4;
    constexpr int kPerThread = 250;
    std::vector<std::atomic<int>> calls(kThreads * kPerThread);
    std::vector<std::vector<int>> order(kThreads);  // callback order per submitting thread
    std::mutex order_mu;
    // The first callback holds the writer until every thread has submitted, so that the rest must be merged
    // whatever the speed of the disk.
    std::mutex mu;
    std::condition_variable cv;
    int finished = 0;
    std::atomic<bool> first{true};
    std::vector<std::thread> threads;
    for (int th = 0; th < kThreads; ++th) {
        threads.emplace_back([&, th] {
            for (int i = 0; i < kPerThread; ++i) {
                Batch b;
                int n = th * kPerThread + i;
                b.put_message(make_message(static_cast<std::uint64_t>(n), "t", std::string(100, 'x')));
                s->submit(std::move(b), [&, n, th, i] {
                    calls[n]++;
                    {
                        std::lock_guard lk(order_mu);
                        order[th].push_back(i);
                    }
                    if (first.exchange(false)) {
                        std::unique_lock lk(mu);
                        cv.wait(lk, [&] { return finished == kThreads; });
                    }
                });
            }
            std::lock_guard lk(mu);
            ++finished;
            cv.notify_all();
        });
    }
    for (auto& th : threads)
        th.join();
    s->flush();
    for (auto& c : calls)
        EXPECT_EQ(c.load(), 1);
    for (auto& o : order)
        EXPECT_TRUE(std::is_sorted(o.begin(), o.end()));
    auto st = s->stats();
    EXPECT_EQ(st.batches, 1000u);
    EXPECT_EQ(st.syncs, st.writes);
    EXPECT_LE(st.syncs, 10u) << "writes=" << st.writes;
    EXPECT_GE(st.syncs, 1u);
    EXPECT_GT(st.bytes, 100'000u);
    EXPECT_EQ(s->pending(), 0u);
    s.reset();
    s = Store::open(options(t.store()));
    EXPECT_EQ(load_all(*s).messages.size(), 1000u);
}

class PersistDurability : public ::testing::TestWithParam<Durability> {};

TEST_P(PersistDurability, CallbackRunsOnlyOnceTheBatchIsWritten) {
    TempDir t;
    auto s = Store::open(options(t.store(), GetParam()));
    std::atomic<int> ok{0};
    std::atomic<int> bad{0};
    const auto writer_thread_check = std::this_thread::get_id();
    for (int i = 0; i < 50; ++i) {
        Batch b;
        std::string needle = "unique-payload-" + std::to_string(i) + "-end";
        b.put_message(make_message(static_cast<std::uint64_t>(i), "t", needle));
        s->submit(std::move(b), [&, needle] {
            bool in_log = payload_in_logs(t.store(), needle);
            bool synced = GetParam() == Durability::Os || s->stats().syncs > 0;
            bool other_thread = std::this_thread::get_id() != writer_thread_check;
            (in_log && synced && other_thread ? ok : bad)++;
        });
    }
    s->flush();
    EXPECT_EQ(ok.load(), 50);
    EXPECT_EQ(bad.load(), 0);
    auto st = s->stats();
    if (GetParam() == Durability::Os) {
        EXPECT_EQ(st.syncs, 0u);
    } else {
        EXPECT_EQ(st.syncs, st.writes);
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, PersistDurability, ::testing::Values(Durability::Fsync, Durability::Os),
                         [](const auto& info) { return info.param == Durability::Fsync ? "Fsync" : "Os"; });

TEST(PersistStore, SubmitDoesNotWaitForTheDisk) {
    TempDir t;
    auto s = Store::open(options(t.store()));
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    Batch first;
    first.put_message(make_message(1));
    s->submit(std::move(first), [&] {  // holds the writer thread
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return release; });
    });
    std::atomic<int> done{0};
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) {
        Batch b;
        b.put_message(make_message(static_cast<std::uint64_t>(i + 2)));
        s->submit(std::move(b), [&] { done++; });
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(1));
    EXPECT_EQ(done.load(), 0);
    EXPECT_GE(s->pending(), 100u);
    {
        std::lock_guard lk(mu);
        release = true;
    }
    cv.notify_all();
    s->flush();
    EXPECT_EQ(done.load(), 100);
}

TEST(PersistStore, EmptyBatchesAreAcknowledgedInOrder) {
    TempDir t;
    auto s = Store::open(options(t.store()));
    std::vector<int> seen;
    for (int i = 0; i < 10; ++i) {
        Batch b;
        if (i % 3 == 0) b.put_message(make_message(static_cast<std::uint64_t>(i)));
        s->submit(std::move(b), [&seen, i] { seen.push_back(i); });
    }
    s->flush();
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(PersistStore, DestructorWritesWhatIsPending) {
    TempDir t;
    std::atomic<int> done{0};
    {
        auto s = Store::open(options(t.store(), Durability::Os));
        for (int i = 0; i < 100; ++i) {
            Batch b;
            b.put_message(make_message(static_cast<std::uint64_t>(i)));
            s->submit(std::move(b), [&] { done++; });
        }
    }
    EXPECT_EQ(done.load(), 100);
    auto s = Store::open(options(t.store()));
    EXPECT_EQ(load_all(*s).messages.size(), 100u);
}

TEST(PersistStore, BatchBasics) {
    Batch b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.operations(), 0u);
    b.put_message(make_message(1));
    b.erase_session("x");  // session + will + 3 ranges
    EXPECT_EQ(b.operations(), 6u);
    EXPECT_GT(b.size_bytes(), 0u);
    Batch moved = std::move(b);
    EXPECT_EQ(moved.operations(), 6u);
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from batches are empty
    b.put_message(make_message(2));
    EXPECT_EQ(b.operations(), 1u);
    moved.clear();
    EXPECT_TRUE(moved.empty());

    StoredMessage bad = make_message(1);
    bad.qos = 3;
    EXPECT_THROW(b.put_message(bad), std::invalid_argument);
    EXPECT_THROW(b.put_subscription("c", "f", 3, 0), std::invalid_argument);     // qos 3
    EXPECT_THROW(b.put_subscription("c", "f", 0x30, 0), std::invalid_argument);  // retain handling 3
    EXPECT_THROW(b.put_subscription("c", "f", 0x40, 0), std::invalid_argument);  // reserved bit
    EXPECT_THROW(b.put_outgoing("c", 1, {1, 1, false, 4, 0, {}, "", std::nullopt}),
                 std::invalid_argument);  // stage 4
    EXPECT_EQ(b.operations(), 1u);
}

TEST(PersistStore, SecondOpenOfTheSameDirectoryFailsWithoutMovingItAside) {
    TempDir t;
    auto s = Store::open(options(t.store()));
    Batch b;
    b.put_message(make_message(1));
    s->submit(std::move(b));
    s->flush();
    auto o = options(t.store());
    o.move_aside_if_corrupt = true;
    try {
        Store::open(o);
        FAIL() << "opened twice";
    } catch (const StoreError& e) {
        EXPECT_FALSE(e.corrupt()) << e.what();
        EXPECT_NE(std::string(e.what()).find(t.store().string()), std::string::npos) << e.what();
    }
    for (auto& e : fs::directory_iterator(t.base()))
        EXPECT_EQ(e.path(), t.store());
    EXPECT_EQ(load_all(*s).messages.size(), 1u);
}

TEST(PersistStore, RefusesAForeignDirectory) {
    TempDir t;
    fs::create_directories(t.store());
    std::ofstream(t.store() / "notes.txt") << "not a store";
    auto o = options(t.store());
    o.move_aside_if_corrupt = true;  // not proof of corruption: never moved aside
    try {
        Store::open(o);
        FAIL() << "opened a foreign directory";
    } catch (const StoreError& e) {
        EXPECT_FALSE(e.corrupt());
        EXPECT_NE(std::string(e.what()).find(t.store().string()), std::string::npos);
    }
    EXPECT_TRUE(fs::exists(t.store() / "notes.txt"));
}

TEST(PersistStore, CreatesMissingParentDirectories) {
    TempDir t;
    auto dir = t.base() / "x" / "y" / "store";
    auto s = Store::open(options(dir / ""));  // trailing separator
    EXPECT_EQ(s->dir(), dir);
    EXPECT_TRUE(fs::exists(dir / "CURRENT"));
}

}  // namespace
