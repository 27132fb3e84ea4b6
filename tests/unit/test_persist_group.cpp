// Group commit leaves out records that cancel out: a message or queue record created and erased within
// one group never reaches the log; everything else is written, in order.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>

#include "persist/store.hpp"
#include "test_persist_util.hpp"

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::testing;
namespace fs = std::filesystem;

const StoredOutgoing kQueued{7, 1, false, 0, 0, {}, "", std::nullopt};
const StoredOutgoing kInFlight{7, 1, false, 1, 42, {}, "", std::nullopt};

// Holds the store's writer in a callback so that what is submitted next forms one group.
class HeldWriter {
  public:
    explicit HeldWriter(Store& s) {
        Batch b;
        b.put_session({"holder", 60, std::nullopt});
        s.submit(std::move(b), [this] {
            std::unique_lock lk(mu_);
            holding_ = true;
            cv_.notify_all();
            cv_.wait(lk, [this] { return released_; });
        });
        std::unique_lock lk(mu_);
        cv_.wait(lk, [this] { return holding_; });  // written, and the writer is held
    }
    void release() {
        {
            std::lock_guard lk(mu_);
            released_ = true;
        }
        cv_.notify_all();
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool holding_ = false;
    bool released_ = false;
};

StoreOptions options(const fs::path& dir) {
    StoreOptions o;
    o.dir = dir;
    return o;
}

struct Fixture : ::testing::Test {
    TempDir t;
    std::unique_ptr<Store> s = Store::open(options(t.store()));

    Collected reopen() {
        s.reset();
        s = Store::open(options(t.store()));
        return load_all(*s);
    }
};

using PersistGroup = Fixture;

TEST_F(PersistGroup, DeliveredAndAcknowledgedWithinOneGroupNeverReachesTheLog) {
    HeldWriter held(*s);
    const std::string payload = "payload-that-must-not-reach-the-log";
    Batch publish;  // the publisher's scope: message, queue record, and a session that stays
    publish.create_message(make_message(7, "t", payload));
    publish.create_outgoing("sub", 1, kQueued);
    publish.put_session({"sub", 60, std::nullopt});
    Batch sent;  // delivered: the queue record moves to "awaiting PUBACK"
    sent.put_outgoing("sub", 1, kInFlight);
    Batch acked;  // the subscriber's PUBACK
    acked.erase_outgoing("sub", 1);
    acked.erase_message(7);
    int done = 0;
    for (Batch* b : {&publish, &sent, &acked})
        s->submit(std::move(*b), [&] { ++done; });
    const auto before = s->stats();
    held.release();
    s->flush();
    EXPECT_EQ(done, 3);
    const auto after = s->stats();
    EXPECT_EQ(after.cancelled - before.cancelled, 5u);
    EXPECT_EQ(after.writes - before.writes, 1u);  // one write for the session that stays
    EXPECT_FALSE(payload_in_logs(t.store(), payload));
    auto c = reopen();
    EXPECT_TRUE(c.messages.empty());
    EXPECT_TRUE(c.outgoing_list.empty());
    EXPECT_EQ(c.sessions.count("sub"), 1u);
}

TEST_F(PersistGroup, NothingLeftIsNotWrittenAtAll) {
    HeldWriter held(*s);
    Batch a;
    a.create_message(make_message(1));
    a.create_outgoing("c", 1, kQueued);
    Batch b;
    b.erase_outgoing("c", 1);
    b.erase_message(1);
    s->submit(std::move(a));
    s->submit(std::move(b));
    const auto before = s->stats();
    held.release();
    s->flush();
    const auto after = s->stats();
    EXPECT_EQ(after.batches - before.batches, 2u);  // both acknowledged,
    EXPECT_EQ(after.writes - before.writes, 0u);    // without a write
    EXPECT_EQ(after.cancelled - before.cancelled, 4u);
}

TEST_F(PersistGroup, AnEraseInALaterGroupIsWritten) {
    Batch a;
    a.create_message(make_message(1));
    a.create_outgoing("c", 1, kQueued);
    s->submit(std::move(a));
    s->flush();  // the records are in the log
    Batch b;
    b.erase_outgoing("c", 1);
    b.erase_message(1);
    s->submit(std::move(b));
    s->flush();
    EXPECT_EQ(s->stats().cancelled, 0u);
    auto c = reopen();
    EXPECT_TRUE(c.messages.empty());
    EXPECT_TRUE(c.outgoing_list.empty());
}

TEST_F(PersistGroup, RecordsCreatedButNotErasedKeepTheirLastValue) {
    HeldWriter held(*s);
    Batch a;
    a.create_message(make_message(1));
    a.create_outgoing("c", 1, kQueued);
    Batch b;
    b.put_outgoing("c", 1, kInFlight);
    s->submit(std::move(a));
    s->submit(std::move(b));
    held.release();
    s->flush();
    EXPECT_EQ(s->stats().cancelled, 0u);
    auto c = reopen();
    EXPECT_EQ(c.messages.count(1), 1u);
    ASSERT_EQ(c.outgoing_list.size(), 1u);
    EXPECT_EQ(std::get<2>(c.outgoing_list[0]), kInFlight);
}

TEST_F(PersistGroup, AKeyCreatedAgainAfterItsEraseIsKept) {
    HeldWriter held(*s);
    Batch a;
    a.create_message(make_message(1, "t", "first"));
    a.create_outgoing("c", 1, kQueued);
    a.erase_outgoing("c", 1);
    a.erase_message(1);
    Batch b;
    b.create_message(make_message(1, "t", "second"));
    b.create_outgoing("c", 1, kInFlight);
    s->submit(std::move(a));
    s->submit(std::move(b));
    held.release();
    s->flush();
    EXPECT_EQ(s->stats().cancelled, 4u);
    auto c = reopen();
    ASSERT_EQ(c.messages.count(1), 1u);
    EXPECT_EQ(c.messages[1].payload, "second");
    ASSERT_EQ(c.outgoing_list.size(), 1u);
    EXPECT_EQ(std::get<2>(c.outgoing_list[0]), kInFlight);
}

TEST_F(PersistGroup, PutsOfRecordsNotCreatedInTheGroupAreNeverDropped) {
    // An existing record (restored at start-up) rewritten and erased in one group: both are written,
    // so the erase removes the copy already on disk.
    Batch old;
    old.put_message(make_message(1));
    old.put_outgoing("c", 1, kQueued);
    s->submit(std::move(old));
    s->flush();
    HeldWriter held(*s);
    Batch a;
    a.put_outgoing("c", 1, kInFlight);
    a.put_message(make_message(1));
    Batch b;
    b.erase_outgoing("c", 1);
    b.erase_message(1);
    s->submit(std::move(a));
    s->submit(std::move(b));
    held.release();
    s->flush();
    EXPECT_EQ(s->stats().cancelled, 0u);
    auto c = reopen();
    EXPECT_TRUE(c.messages.empty());
    EXPECT_TRUE(c.outgoing_list.empty());
}

TEST_F(PersistGroup, CancellingKeepsTheOrderOfEverythingElse) {
    // Records of other kinds between the cancelled ones keep their order: a session erased and
    // re-created around cancelled queue records ends with its last value, and a range erase
    // (erase_session) still removes queue records written before it.
    Batch old;
    old.put_outgoing("c", 9, kQueued);
    s->submit(std::move(old));
    s->flush();
    HeldWriter held(*s);
    Batch a;
    a.create_message(make_message(1));
    a.create_outgoing("c", 10, kQueued);
    a.erase_session("c");  // removes seq 9 (on disk) and seq 10 (above)
    a.put_session({"c", 30, std::nullopt});
    Batch b;
    b.create_outgoing("c", 11, kQueued);
    b.erase_outgoing("c", 10);  // cancels the create of seq 10; the range erase stays
    b.erase_message(1);
    s->submit(std::move(a));
    s->submit(std::move(b));
    held.release();
    s->flush();
    auto c = reopen();
    EXPECT_TRUE(c.messages.empty());
    ASSERT_EQ(c.outgoing_list.size(), 1u);
    EXPECT_EQ(std::get<1>(c.outgoing_list[0]), 11u);
    EXPECT_EQ(c.sessions["c"], (StoredSession{"c", 30, std::nullopt}));
}

// Erases of consecutive queue records of one session become one range erase.

using QueueKeys = std::vector<std::pair<std::string, std::uint64_t>>;

QueueKeys queue_keys(const Collected& c) {
    QueueKeys keys;
    for (const auto& [client, seq, rec] : c.outgoing_list)
        keys.emplace_back(client, seq);
    return keys;
}

struct PersistRanges : Fixture {
    // Queue records already in the log (written by earlier groups).
    void on_disk(const QueueKeys& keys) {
        Batch old;
        for (const auto& [client, seq] : keys)
            old.put_outgoing(client, seq, kInFlight);
        s->submit(std::move(old));
        s->flush();
    }
    // Submits the batches as one group and returns what the store counted for it.
    Store::Stats one_group(std::initializer_list<Batch*> batches) {
        HeldWriter held(*s);
        for (Batch* b : batches)
            s->submit(std::move(*b));
        const auto before = s->stats();
        held.release();
        s->flush();
        const auto after = s->stats();
        return {after.batches - before.batches,     after.writes - before.writes,
                after.syncs - before.syncs,         after.bytes - before.bytes,
                after.cancelled - before.cancelled, after.ranges - before.ranges};
    }
};

TEST_F(PersistRanges, ConsecutiveErasesOfOneSessionAreWrittenAsOneRange) {
    on_disk({{"c", 1}, {"c", 2}, {"c", 3}, {"c", 4}, {"c", 5}, {"d", 1}, {"d", 2}, {"d", 3}, {"cc", 2}});
    Batch a;  // acknowledged in order, in two reads, interleaved with another client's
    a.erase_outgoing("c", 1);
    a.erase_outgoing("c", 2);
    Batch b;
    b.erase_outgoing("d", 2);
    b.erase_outgoing("c", 3);
    b.erase_outgoing("c", 4);
    EXPECT_EQ(one_group({&a, &b}).ranges, 1u);  // c 1-4; d 2 stays a point erase
    // In key order: the client id's length comes first.
    EXPECT_EQ(queue_keys(reopen()), (QueueKeys{{"c", 5}, {"d", 1}, {"d", 3}, {"cc", 2}}));
}

TEST_F(PersistRanges, ARangeTakesInTheCancelledErasesAmongIt) {
    on_disk({{"c", 1}, {"c", 2}});
    Batch a;
    a.create_outgoing("c", 3, kInFlight);
    Batch b;
    b.erase_outgoing("c", 1);
    b.erase_outgoing("c", 2);
    b.erase_outgoing("c", 3);  // cancels the create
    const auto st = one_group({&a, &b});
    EXPECT_EQ(st.ranges, 1u);
    EXPECT_EQ(st.cancelled, 2u);
    EXPECT_TRUE(reopen().outgoing_list.empty());
}

TEST_F(PersistRanges, OneWrittenEraseAmongCancelledOnesStaysAPointErase) {
    on_disk({{"c", 1}, {"c", 5}});
    Batch a;
    a.create_outgoing("c", 2, kInFlight);
    a.erase_outgoing("c", 1);
    a.erase_outgoing("c", 2);
    EXPECT_EQ(one_group({&a}).ranges, 0u);
    EXPECT_EQ(queue_keys(reopen()), (QueueKeys{{"c", 5}}));
}

TEST_F(PersistRanges, NoRangeCoversAQueueRecordWrittenAgainAfterItsErase) {
    // A session ended and a new one under the same client id numbering its queue from 1 again, all
    // in one group: a range over the old numbers, written in place of the last erase, would remove
    // the new session's record.
    on_disk({{"c", 1}, {"c", 2}});
    Batch a;
    a.erase_outgoing("c", 1);
    Batch b;
    b.create_outgoing("c", 1, kQueued);  // the new session's first record
    Batch c;
    c.erase_outgoing("c", 2);
    EXPECT_EQ(one_group({&a, &b, &c}).ranges, 0u);
    auto after = reopen();
    ASSERT_EQ(after.outgoing_list.size(), 1u);
    EXPECT_EQ(std::get<1>(after.outgoing_list[0]), 1u);
    EXPECT_EQ(std::get<2>(after.outgoing_list[0]), kQueued);
}

// Random groups against a model of the store: whatever cancels out or becomes a range, the queue
// records after the group are those that applying every operation in order leaves.
TEST_F(PersistRanges, RandomGroupsLeaveWhatApplyingEveryOperationInOrderLeaves) {
    using Key = std::pair<std::string, std::uint64_t>;
    std::map<Key, StoredOutgoing> model;  // what is in the store
    std::mt19937 rng(20261125);
    const std::vector<std::string> clients{"a", "ab"};
    std::map<std::string, std::uint64_t> next_seq;  // per client, as a session numbers its queue
    std::uint16_t version = 0;
    std::uint64_t ranges = 0;
    std::uint64_t cancelled = 0;
    const auto record = [&version](std::uint8_t stage) {
        return StoredOutgoing{7, 1, false, stage, ++version, {}, "", std::nullopt};
    };
    for (int group = 0; group < 100; ++group) {
        std::vector<Batch> batches(1 + rng() % 6);
        for (Batch& b : batches) {
            for (int op = 0, ops = 1 + static_cast<int>(rng() % 16); op < ops; ++op) {
                const std::string& c = clients[rng() % clients.size()];
                std::vector<std::uint64_t> live;
                for (const auto& [k, v] : model)
                    if (k.first == c) live.push_back(k.second);
                const unsigned pick = rng() % 100;
                if (pick < 40 || live.empty()) {  // a new record, numbered after the session's last
                    const std::uint64_t seq = ++next_seq[c];
                    model[{c, seq}] = record(1);
                    b.create_outgoing(c, seq, model[{c, seq}]);
                } else if (pick < 80) {  // acknowledged: mostly the oldest, often another
                    const std::uint64_t seq = rng() % 2 == 0 ? live[rng() % live.size()] : live.front();
                    model.erase({c, seq});
                    b.erase_outgoing(c, seq);
                } else if (pick < 85) {  // rewritten (PUBREC)
                    const std::uint64_t seq = live[rng() % live.size()];
                    model[{c, seq}] = record(3);
                    b.put_outgoing(c, seq, model[{c, seq}]);
                } else {  // the session ends; a new one numbers its queue from 1 again
                    std::erase_if(model, [&c](const auto& e) { return e.first.first == c; });
                    next_seq[c] = 0;
                    b.erase_session(c);
                }
            }
        }
        HeldWriter held(*s);
        for (Batch& b : batches)
            s->submit(std::move(b));
        held.release();
        s->flush();
        ranges += s->stats().ranges;  // counted per opening
        cancelled += s->stats().cancelled;
        std::map<Key, StoredOutgoing> stored;
        for (auto& [client, seq, rec] : reopen().outgoing_list)
            stored[{client, seq}] = rec;
        ASSERT_EQ(stored, model) << "after group " << group;
    }
    // The groups did take both shortcuts.
    EXPECT_GT(ranges, 0u);
    EXPECT_GT(cancelled, 0u);
}

}  // namespace
