// SubscriptionTree: matching against mqtt::topic_matches as an oracle, replace and prune semantics,
// shared-subscription round robin, and concurrent readers with a writer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker/subscription_tree.hpp"
#include "mqtt/topic.hpp"

// Counts this thread's heap allocations, to check that match() allocates nothing of its own.
namespace {
thread_local std::size_t g_allocations = 0;
}  // namespace

// GCC flags free() on memory from operator new once these are inlined; they are a matched pair here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

using tapmq::broker::SubscriptionTree;
using tapmq::mqtt::QoS;
using tapmq::mqtt::SubscriptionOptions;
using tapmq::mqtt::topic_matches;

using Tree = SubscriptionTree<int>;
using Entry = Tree::Entry;

Entry entry(int sub, std::uint32_t id = 0, QoS qos = QoS::AtMostOnce) {
    Entry e{sub, {}, id};
    e.options.qos = qos;
    return e;
}

std::string join(const std::vector<std::string>& levels) {
    std::string s;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (i != 0) s.push_back('/');
        s += levels[i];
    }
    return s;
}

// Every sequence of 1..max_levels levels drawn from `alphabet`.
std::vector<std::string> all_sequences(const std::vector<std::string>& alphabet, std::size_t max_levels) {
    std::vector<std::string> out;
    std::vector<std::vector<std::string>> frontier = {{}};
    for (std::size_t depth = 1; depth <= max_levels; ++depth) {
        std::vector<std::vector<std::string>> next;
        for (const auto& prefix : frontier) {
            for (const auto& level : alphabet) {
                auto seq = prefix;
                seq.push_back(level);
                out.push_back(join(seq));
                next.push_back(std::move(seq));
            }
        }
        frontier = std::move(next);
    }
    return out;
}

const std::vector<std::string> kTopicLevels = {"a", "b", "$SYS", ""};
const std::vector<std::string> kFilterLevels = {"a", "b", "$SYS", "", "+", "#"};

std::vector<std::string> all_filters(std::size_t max_levels) {
    std::vector<std::string> filters;
    for (auto& f : all_sequences(kFilterLevels, max_levels)) {
        if (tapmq::mqtt::is_valid_topic_filter(f)) filters.push_back(std::move(f));
    }
    return filters;
}

std::multiset<std::uint32_t> ids(const std::vector<Entry>& v) {
    std::multiset<std::uint32_t> s;
    for (const auto& e : v)
        s.insert(e.identifier);
    return s;
}

// --- matching against the oracle -------------------------------------------------------------------

TEST(SubscriptionTreeMatch, ExhaustiveAgainstOracle) {
    const auto filters = all_filters(4);
    const auto topics = all_sequences(kTopicLevels, 4);
    ASSERT_GT(filters.size(), 900u);
    Tree tree;
    // One subscriber per filter; the identifier tells which filter matched.
    for (std::size_t i = 0; i < filters.size(); ++i) {
        EXPECT_FALSE(tree.subscribe(filters[i], entry(static_cast<int>(i), static_cast<std::uint32_t>(i))));
    }
    EXPECT_EQ(tree.size(), filters.size());
    std::vector<Entry> out;
    std::size_t total_matches = 0;
    for (const auto& topic : topics) {
        out.clear();
        tree.match(topic, out);
        std::multiset<std::uint32_t> expected;
        for (std::size_t i = 0; i < filters.size(); ++i) {
            if (topic_matches(filters[i], topic)) expected.insert(static_cast<std::uint32_t>(i));
        }
        ASSERT_EQ(ids(out), expected) << "topic '" << topic << "'";
        for (const auto& e : out)
            EXPECT_EQ(e.subscriber, static_cast<int>(e.identifier));
        total_matches += expected.size();
    }
    EXPECT_GT(total_matches, 5000u);  // the table is not trivially empty
}

TEST(SubscriptionTreeMatch, RandomDeepFiltersAgainstOracle) {
    std::mt19937 rng(12345);
    const std::vector<std::string> levels = {"x", "y", "z", "", "$q", "long-level-name"};
    auto random_topic = [&](std::size_t max_depth) {
        std::vector<std::string> seq(1 + rng() % max_depth);
        for (auto& l : seq)
            l = levels[rng() % levels.size()];
        return join(seq);
    };
    auto random_filter = [&](std::size_t max_depth) {
        std::vector<std::string> seq(1 + rng() % max_depth);
        for (std::size_t i = 0; i < seq.size(); ++i) {
            const unsigned r = rng() % 10;
            if (r < 2) {
                seq[i] = "+";
            } else if (r == 2 && i + 1 == seq.size()) {
                seq[i] = "#";
            } else {
                seq[i] = levels[rng() % levels.size()];
            }
        }
        return join(seq);
    };
    std::vector<std::string> filters;
    Tree tree;
    // 40 subscribers, each with many filters (duplicates of a (subscriber, filter) pair replace).
    std::map<std::pair<int, std::string>, std::uint32_t> subs;
    for (std::uint32_t i = 0; i < 3000; ++i) {
        std::string f = random_filter(8);
        if (f.empty()) f = "+";
        const int sub = static_cast<int>(rng() % 40);
        const bool existed = subs.count({sub, f}) != 0;
        EXPECT_EQ(tree.subscribe(f, entry(sub, i)), existed);
        subs[{sub, f}] = i;
    }
    EXPECT_EQ(tree.size(), subs.size());
    std::vector<Entry> out;
    for (int t = 0; t < 2000; ++t) {
        std::string topic = random_topic(8);
        if (topic.empty()) topic = "x";
        out.clear();
        tree.match(topic, out);
        std::multiset<std::uint32_t> expected;
        for (const auto& [key, id] : subs) {
            if (topic_matches(key.second, topic)) expected.insert(id);
        }
        ASSERT_EQ(ids(out), expected) << "topic '" << topic << "'";
    }
}

TEST(SubscriptionTreeMatch, DollarTopics) {
    Tree tree;
    tree.subscribe("#", entry(1, 1));
    tree.subscribe("+/broker/uptime", entry(2, 2));
    tree.subscribe("$SYS/#", entry(3, 3));
    tree.subscribe("$SYS/+/uptime", entry(4, 4));
    tree.subscribe("+", entry(5, 5));
    tree.subscribe("a/#", entry(6, 6));
    std::vector<Entry> out;
    tree.match("$SYS/broker/uptime", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{3, 4}));
    out.clear();
    tree.match("$SYS", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{3}));  // "$SYS/#" matches its parent level
    out.clear();
    tree.match("x/broker/uptime", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 2}));
    out.clear();
    tree.match("a", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 5, 6}));
    out.clear();
    tree.match("a/$SYS", out);  // '$' only matters as the first character of the topic
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 6}));
}

TEST(SubscriptionTreeMatch, EmptyLevels) {
    Tree tree;
    tree.subscribe("/", entry(1, 1));
    tree.subscribe("+/+", entry(2, 2));
    tree.subscribe("/+", entry(3, 3));
    tree.subscribe("a//b", entry(4, 4));
    tree.subscribe("a/+/b", entry(5, 5));
    tree.subscribe("+", entry(6, 6));
    tree.subscribe("/#", entry(7, 7));
    std::vector<Entry> out;
    tree.match("/", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 2, 3, 7}));
    out.clear();
    tree.match("a//b", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{4, 5}));
    out.clear();
    tree.match("/a", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{2, 3, 7}));
    out.clear();
    tree.match("a", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{6}));
}

TEST(SubscriptionTreeMatch, SubscriberAppearsOncePerMatchingFilter) {
    Tree tree;
    tree.subscribe("a/b", entry(7, 1, QoS::AtLeastOnce));
    tree.subscribe("a/+", entry(7, 2, QoS::ExactlyOnce));
    tree.subscribe("#", entry(7, 3));
    tree.subscribe("a/c", entry(7, 4));
    std::vector<Entry> out;
    tree.match("a/b", out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 2, 3}));
    for (const auto& e : out) {
        EXPECT_EQ(e.subscriber, 7);
        if (e.identifier == 1) {
            EXPECT_EQ(e.options.qos, QoS::AtLeastOnce);
        }
        if (e.identifier == 2) {
            EXPECT_EQ(e.options.qos, QoS::ExactlyOnce);
        }
    }
}

TEST(SubscriptionTreeMatch, AppendsToOutput) {
    Tree tree;
    tree.subscribe("a", entry(1, 1));
    std::vector<Entry> out = {entry(99, 99)};
    tree.match("a", out);
    tree.match("b", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 99}));
}

TEST(SubscriptionTreeMatch, ManyPlusLevelsSpillTheFrameStack) {
    // 40 '+' levels keep more branches pending than the inline frame stack holds.
    Tree tree;
    std::vector<std::string> levels(40, "+");
    const std::string plus_filter = join(levels);
    std::vector<std::string> topic_levels(40, "t");
    const std::string topic = join(topic_levels);
    tree.subscribe(plus_filter, entry(1, 1));
    tree.subscribe(topic, entry(2, 2));
    for (std::size_t i = 0; i < 40; ++i) {
        auto f = topic_levels;
        f[i] = "+";
        tree.subscribe(join(f), entry(3, static_cast<std::uint32_t>(100 + i)));
    }
    std::vector<Entry> out;
    tree.match(topic, out);
    EXPECT_EQ(out.size(), 42u);
}

TEST(SubscriptionTreeMatch, VeryDeepFilterAndTopic) {
    // Tens of thousands of levels: nothing recurses (subscribe, match, unsubscribe, destruction).
    std::string deep;
    for (int i = 0; i < 30000; ++i)
        deep += i == 0 ? "a" : "/a";
    std::string deep_plus = deep;
    deep_plus.back() = '+';
    {
        Tree tree;
        tree.subscribe(deep, entry(1, 1));
        tree.subscribe(deep_plus, entry(2, 2));
        tree.subscribe(deep + "/#", entry(3, 3));
        std::vector<Entry> out;
        tree.match(deep, out);
        EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 2, 3}));
        EXPECT_TRUE(tree.unsubscribe(deep_plus, 2));
        EXPECT_GE(tree.node_count(), 30000u);
    }  // destroyed with ~30000 levels still in place
    Tree tree;
    tree.subscribe(deep, entry(1, 1));
    EXPECT_TRUE(tree.unsubscribe(deep, 1));
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(SubscriptionTreeMatch, DoesNotAllocate) {
    using STree = SubscriptionTree<std::shared_ptr<int>>;
    STree tree;
    auto a = std::make_shared<int>(1), b = std::make_shared<int>(2), c = std::make_shared<int>(3);
    for (const char* f :
         {"s/+/x", "s/#", "#", "+/+/+", "s/1/x", "s/1/+", "$share/g/s/+/x", "long/filter/that/misses"}) {
        tree.subscribe(f, {a, {}, 1});
        tree.subscribe(f, {b, {}, 2});
    }
    tree.subscribe("$share/g/s/+/x", {c, {}, 3});
    for (int i = 0; i < 100; ++i)
        tree.subscribe("fan/" + std::to_string(i), {c, {}, 4});
    std::vector<STree::Entry> out;
    out.reserve(64);
    const std::size_t before = g_allocations;
    std::size_t matched = 0;
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        tree.match("s/1/x", out, [&](const std::shared_ptr<int>& s) { return s != b; });
        matched += out.size();
        out.clear();
        tree.match("fan/7", out);
        tree.match("nothing/here/at/all", out);
        matched += out.size();
    }
    EXPECT_EQ(g_allocations, before);
    // s/1/x: 6 filters x 2 members + 1 group pick; fan/7: "#" x 2 + fan/7; nothing/...: "#" x 2
    EXPECT_EQ(matched, 1000u * (13 + 3 + 2));
}

// --- subscribe / unsubscribe ---------------------------------------------------------------------

TEST(SubscriptionTreeSubscribe, ReplaceSameSubscriberSameFilter) {
    Tree tree;
    EXPECT_FALSE(tree.subscribe("a/+", entry(1, 10, QoS::AtMostOnce)));
    EXPECT_FALSE(tree.subscribe("a/+", entry(2, 20)));
    EXPECT_FALSE(tree.subscribe("a/#", entry(1, 30)));  // other filter: a new subscription
    EXPECT_EQ(tree.size(), 3u);
    Entry replacement = entry(1, 11, QoS::ExactlyOnce);
    replacement.options.no_local = true;
    replacement.options.retain_as_published = true;
    replacement.options.retain_handling = 2;
    EXPECT_TRUE(tree.subscribe("a/+", replacement));
    EXPECT_EQ(tree.size(), 3u);
    std::vector<Entry> out;
    tree.match("a/b", out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{11, 20, 30}));
    for (const auto& e : out) {
        if (e.identifier == 11) {
            EXPECT_EQ(e.options, replacement.options);
        }
    }
}

TEST(SubscriptionTreeSubscribe, UnsubscribeExactFilterOnly) {
    Tree tree;
    tree.subscribe("a/b", entry(1, 1));
    tree.subscribe("a/+", entry(1, 2));
    tree.subscribe("a/b", entry(2, 3));
    EXPECT_FALSE(tree.unsubscribe("a/c", 1));
    EXPECT_FALSE(tree.unsubscribe("a/b", 3));
    EXPECT_FALSE(tree.unsubscribe("a/#", 1));
    EXPECT_FALSE(tree.unsubscribe("$share/g/a/b", 1));  // not a shared member
    EXPECT_FALSE(tree.unsubscribe("a/b/#/c", 1));       // invalid filter: nothing to remove
    EXPECT_TRUE(tree.unsubscribe("a/b", 1));
    EXPECT_FALSE(tree.unsubscribe("a/b", 1));
    std::vector<Entry> out;
    tree.match("a/b", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{2, 3}));
    EXPECT_EQ(tree.size(), 2u);
}

TEST(SubscriptionTreeSubscribe, PrunesEmptyNodes) {
    Tree tree;
    EXPECT_EQ(tree.node_count(), 0u);
    tree.subscribe("a/b/c", entry(1));
    EXPECT_EQ(tree.node_count(), 3u);
    tree.subscribe("a/b/c/#", entry(1));
    tree.subscribe("a/+/c", entry(2));
    tree.subscribe("$share/g/a/b/c", entry(3));
    EXPECT_EQ(tree.node_count(), 6u);  // a, b, c, #, +, +/c
    EXPECT_TRUE(tree.unsubscribe("a/b/c", 1));
    EXPECT_EQ(tree.node_count(), 6u);  // c still holds '#' and the shared group
    EXPECT_TRUE(tree.unsubscribe("a/b/c/#", 1));
    EXPECT_EQ(tree.node_count(), 5u);
    EXPECT_TRUE(tree.unsubscribe("$share/g/a/b/c", 3));
    EXPECT_EQ(tree.node_count(), 3u);  // a, +, +/c
    EXPECT_TRUE(tree.unsubscribe("a/+/c", 2));
    EXPECT_EQ(tree.node_count(), 0u);
    EXPECT_EQ(tree.size(), 0u);
}

TEST(SubscriptionTreeSubscribe, ChurnReturnsToEmpty) {
    const auto filters = all_filters(3);
    std::mt19937 rng(7);
    Tree tree;
    std::set<std::pair<int, std::string>> live;
    for (int round = 0; round < 20000; ++round) {
        std::string f = filters[rng() % filters.size()];
        if (rng() % 4 == 0) f = "$share/g" + std::to_string(rng() % 3) + "/" + f;
        const int sub = static_cast<int>(rng() % 8);
        if (rng() % 2 == 0) {
            EXPECT_EQ(tree.subscribe(f, entry(sub)), !live.insert({sub, f}).second);
        } else {
            EXPECT_EQ(tree.unsubscribe(f, sub), live.erase({sub, f}) == 1);
        }
        ASSERT_EQ(tree.size(), live.size());
    }
    EXPECT_GT(tree.node_count(), 0u);
    for (const auto& [sub, f] : live)
        EXPECT_TRUE(tree.unsubscribe(f, sub));
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(SubscriptionTreeSubscribe, UnsubscribeAll) {
    Tree tree;
    const std::vector<std::string> filters = {"a/b", "a/+", "$share/g/a/b", "#", "never/subscribed"};
    for (std::size_t i = 0; i + 1 < filters.size(); ++i)
        tree.subscribe(filters[i], entry(1));
    tree.subscribe("a/b", entry(2));
    EXPECT_EQ(tree.unsubscribe_all(1, filters), 4u);
    EXPECT_EQ(tree.size(), 1u);
    EXPECT_EQ(tree.node_count(), 2u);
    std::vector<std::string_view> views = {"a/b"};
    EXPECT_EQ(tree.unsubscribe_all(2, views), 1u);
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(SubscriptionTreeSubscribe, LargeFanOutUsesIndexCorrectly) {
    // Enough subscribers on one filter to switch the entry list to its hash index and back.
    Tree tree;
    constexpr int kSubs = 5000;
    for (int i = 0; i < kSubs; ++i)
        EXPECT_FALSE(tree.subscribe("fan/out", entry(i, static_cast<std::uint32_t>(i))));
    for (int i = 0; i < kSubs; i += 2)
        EXPECT_TRUE(tree.subscribe("fan/out", entry(i, static_cast<std::uint32_t>(i + kSubs))));
    for (int i = 1; i < kSubs; i += 2)
        EXPECT_TRUE(tree.unsubscribe("fan/out", i));
    for (int i = 1; i < kSubs; i += 2)
        EXPECT_FALSE(tree.unsubscribe("fan/out", i));
    std::vector<Entry> out;
    tree.match("fan/out", out);
    ASSERT_EQ(out.size(), static_cast<std::size_t>(kSubs / 2));
    std::set<int> seen;
    for (const auto& e : out) {
        EXPECT_EQ(e.subscriber % 2, 0);
        EXPECT_EQ(e.identifier, static_cast<std::uint32_t>(e.subscriber + kSubs));
        seen.insert(e.subscriber);
    }
    EXPECT_EQ(seen.size(), out.size());
    for (int i = 0; i < kSubs - 10; i += 2)
        EXPECT_TRUE(tree.unsubscribe("fan/out", i));  // below threshold
    out.clear();
    tree.match("fan/out", out);
    EXPECT_EQ(out.size(), 5u);
    for (int i = kSubs - 10; i < kSubs; i += 2)
        EXPECT_TRUE(tree.unsubscribe("fan/out", i));
    EXPECT_EQ(tree.node_count(), 0u);
}

// A subscriber type without std::hash: the entry lists fall back to linear lookup.
struct Handle {
    int id = 0;
    bool operator==(const Handle&) const = default;
};

TEST(SubscriptionTreeSubscribe, NonHashableSubscriber) {
    SubscriptionTree<Handle> tree;
    for (int i = 0; i < 100; ++i)
        tree.subscribe("x/+", {Handle{i}, {}, static_cast<std::uint32_t>(i)});
    EXPECT_TRUE(tree.subscribe("x/+", {Handle{5}, {}, 500}));
    EXPECT_TRUE(tree.unsubscribe("x/+", Handle{6}));
    std::vector<SubscriptionTree<Handle>::Entry> out;
    tree.match("x/y", out);
    EXPECT_EQ(out.size(), 99u);
    EXPECT_EQ(tree.size(), 99u);
}

// --- shared subscriptions ------------------------------------------------------------------------

TEST(SubscriptionTreeShared, RoundRobinIsFair) {
    Tree tree;
    for (int m = 0; m < 3; ++m)
        tree.subscribe("$share/workers/jobs/+", entry(m));
    tree.subscribe("jobs/+", entry(100));  // a plain subscriber receives every message
    std::map<int, int> counts;
    std::vector<Entry> out;
    for (int i = 0; i < 300; ++i) {
        out.clear();
        tree.match("jobs/j" + std::to_string(i), out);
        ASSERT_EQ(out.size(), 2u);
        for (const auto& e : out)
            ++counts[e.subscriber];
    }
    EXPECT_EQ(counts, (std::map<int, int>{{0, 100}, {1, 100}, {2, 100}, {100, 300}}));
    // Consecutive picks rotate through the members.
    std::vector<int> picks;
    for (int i = 0; i < 6; ++i) {
        out.clear();
        tree.match("jobs/x", out, [](int s) { return s != 100; });
        for (const auto& e : out) {
            if (e.subscriber != 100) picks.push_back(e.subscriber);
        }
    }
    ASSERT_EQ(picks.size(), 6u);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(picks[i], picks[i + 3]);
    EXPECT_EQ(std::set<int>(picks.begin(), picks.end()).size(), 3u);
}

TEST(SubscriptionTreeShared, EligibilitySkipsMembers) {
    Tree tree;
    for (int m = 0; m < 3; ++m)
        tree.subscribe("$share/g/t", entry(m));
    std::map<int, int> counts;
    std::vector<Entry> out;
    for (int i = 0; i < 300; ++i) {
        out.clear();
        tree.match("t", out, [](int s) { return s != 1; });
        ASSERT_EQ(out.size(), 1u);
        ++counts[out[0].subscriber];
    }
    EXPECT_EQ(counts, (std::map<int, int>{{0, 150}, {2, 150}}));
}

TEST(SubscriptionTreeShared, OnlyOneEligible) {
    Tree tree;
    for (int m = 0; m < 5; ++m)
        tree.subscribe("$share/g/t", entry(m));
    std::vector<Entry> out;
    for (int i = 0; i < 50; ++i) {
        out.clear();
        tree.match("t", out, [](int s) { return s == 3; });
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].subscriber, 3);
    }
}

TEST(SubscriptionTreeShared, NoneEligibleStillPicksRoundRobin) {
    Tree tree;
    for (int m = 0; m < 3; ++m)
        tree.subscribe("$share/g/t", entry(m));
    std::map<int, int> counts;
    std::vector<Entry> out;
    for (int i = 0; i < 300; ++i) {
        out.clear();
        tree.match("t", out, [](int) { return false; });
        ASSERT_EQ(out.size(), 1u);
        ++counts[out[0].subscriber];
    }
    EXPECT_EQ(counts, (std::map<int, int>{{0, 100}, {1, 100}, {2, 100}}));
}

TEST(SubscriptionTreeShared, SameGroupNameDifferentFiltersAreDifferentGroups) {
    Tree tree;
    tree.subscribe("$share/g/a/+", entry(1, 1));
    tree.subscribe("$share/g/a/b", entry(2, 2));
    tree.subscribe("$share/g/a/b", entry(3, 3));
    tree.subscribe("$share/h/a/b", entry(4, 4));
    EXPECT_EQ(tree.size(), 4u);
    std::map<int, int> counts;
    std::vector<Entry> out;
    for (int i = 0; i < 100; ++i) {
        out.clear();
        tree.match("a/b", out);
        ASSERT_EQ(out.size(), 3u);  // one of (g, a/+), one of (g, a/b), one of (h, a/b)
        for (const auto& e : out)
            ++counts[e.subscriber];
    }
    EXPECT_EQ(counts, (std::map<int, int>{{1, 100}, {2, 50}, {3, 50}, {4, 100}}));
    out.clear();
    tree.match("a/c", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1}));

    EXPECT_EQ(tree.shared_members("g", "a/b"), (std::vector<int>{2, 3}));
    EXPECT_EQ(tree.shared_members("g", "a/+"), (std::vector<int>{1}));
    EXPECT_EQ(tree.shared_members("h", "a/+"), (std::vector<int>{}));
    EXPECT_EQ(tree.shared_members("g", "nothing/here"), (std::vector<int>{}));
}

TEST(SubscriptionTreeShared, ReplaceAndUnsubscribe) {
    Tree tree;
    EXPECT_FALSE(tree.subscribe("$share/g/t/#", entry(1, 1)));
    EXPECT_FALSE(tree.subscribe("$share/g/t/#", entry(2, 2)));
    EXPECT_TRUE(tree.subscribe("$share/g/t/#", entry(1, 10, QoS::AtLeastOnce)));
    EXPECT_FALSE(tree.subscribe("t/#", entry(1, 20)));  // the plain filter is another subscription
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_EQ(tree.shared_members("g", "t/#").size(), 2u);
    std::vector<Entry> out;
    std::multiset<std::uint32_t> seen;
    for (int i = 0; i < 4; ++i) {
        out.clear();
        tree.match("t", out);
        for (const auto& e : out)
            seen.insert(e.identifier);
    }
    EXPECT_EQ(seen, (std::multiset<std::uint32_t>{2, 2, 10, 10, 20, 20, 20, 20}));
    EXPECT_FALSE(tree.unsubscribe("$share/h/t/#", 1));
    EXPECT_TRUE(tree.unsubscribe("$share/g/t/#", 1));
    EXPECT_EQ(tree.shared_members("g", "t/#"), (std::vector<int>{2}));
    EXPECT_TRUE(tree.unsubscribe("$share/g/t/#", 2));
    EXPECT_TRUE(tree.shared_members("g", "t/#").empty());
    EXPECT_TRUE(tree.unsubscribe("t/#", 1));
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(SubscriptionTreeShared, DollarRuleApplies) {
    Tree tree;
    tree.subscribe("$share/g/#", entry(1, 1));
    tree.subscribe("$share/g/+/x", entry(2, 2));
    tree.subscribe("$share/g/$SYS/#", entry(3, 3));
    std::vector<Entry> out;
    tree.match("$SYS/x", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{3}));
    out.clear();
    tree.match("a/x", out);
    EXPECT_EQ(ids(out), (std::multiset<std::uint32_t>{1, 2}));
}

TEST(SubscriptionTreeShared, ExhaustiveAgainstOracle) {
    // Every filter subscribed both plain and as a shared group of two members: each match must return
    // every matching plain subscription and exactly one member of every matching group.
    const auto filters = all_filters(3);
    const auto topics = all_sequences(kTopicLevels, 3);
    Tree tree;
    for (std::size_t i = 0; i < filters.size(); ++i) {
        const auto id = static_cast<std::uint32_t>(i);
        tree.subscribe(filters[i], entry(0, id));
        tree.subscribe("$share/grp/" + filters[i], entry(1, id + 100000));
        tree.subscribe("$share/grp/" + filters[i], entry(2, id + 100000));
    }
    std::vector<Entry> out;
    for (const auto& topic : topics) {
        out.clear();
        tree.match(topic, out);
        std::multiset<std::uint32_t> expected;
        for (std::size_t i = 0; i < filters.size(); ++i) {
            if (topic_matches(filters[i], topic)) {
                expected.insert(static_cast<std::uint32_t>(i));
                expected.insert(static_cast<std::uint32_t>(i + 100000));
            }
        }
        ASSERT_EQ(ids(out), expected) << "topic '" << topic << "'";
    }
}

// --- concurrency -----------------------------------------------------------------------------------

struct Session {
    int id = 0;
};

TEST(SubscriptionTreeConcurrency, ReadersAndWriter) {
    using STree = SubscriptionTree<std::shared_ptr<Session>>;
    STree tree;
    std::vector<std::shared_ptr<Session>> stable, churn;
    for (int i = 0; i < 8; ++i)
        stable.push_back(std::make_shared<Session>(Session{i}));
    for (int i = 0; i < 16; ++i)
        churn.push_back(std::make_shared<Session>(Session{100 + i}));
    // Stable subscriptions that always match "s/<n>/x": 4 plain, 1 shared group of 4.
    for (int i = 0; i < 4; ++i)
        tree.subscribe(i % 2 ? "s/+/x" : "s/#", {stable[i], {}, 1});
    for (int i = 4; i < 8; ++i)
        tree.subscribe("$share/g/s/+/+", {stable[i], {}, 2});

    const std::vector<std::string> churn_filters = {"s/+/x",          "s/1/x",          "#",       "s/+/+",
                                                    "$share/k/s/+/+", "$share/h/s/1/#", "other/+", "s/1/x/#"};
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    auto reader = [&] {
        std::vector<STree::Entry> out;
        std::size_t iterations = 0;
        while (!stop.load(std::memory_order_relaxed) || iterations < 1000) {
            out.clear();
            tree.match("s/1/x", out);
            int plain_stable = 0, shared_g = 0;
            for (const auto& e : out) {
                if (!e.subscriber) ++failures;
                if (e.subscriber->id < 4) ++plain_stable;
                if (e.identifier == 2) ++shared_g;
            }
            // 4 stable plain subscriptions, one pick of group g, 0..1 pick of group h, plus churn.
            if (plain_stable != 4 || shared_g != 1) ++failures;
            ++iterations;
        }
    };
    std::thread r1(reader), r2(reader);
    std::thread writer([&] {
        std::mt19937 rng(99);
        for (int i = 0; i < 20000; ++i) {
            const auto& f = churn_filters[rng() % churn_filters.size()];
            const auto& s = churn[rng() % churn.size()];
            if (rng() % 2) {
                tree.subscribe(f, {s, {}, 3});
            } else {
                tree.unsubscribe(f, s);
            }
        }
        for (const auto& s : churn)
            tree.unsubscribe_all(s, churn_filters);
        stop = true;
    });
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(tree.size(), 8u);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(tree.unsubscribe(i % 2 ? "s/+/x" : "s/#", stable[i]));
    for (int i = 4; i < 8; ++i)
        EXPECT_TRUE(tree.unsubscribe("$share/g/s/+/+", stable[i]));
    EXPECT_EQ(tree.node_count(), 0u);
    for (const auto& s : stable)
        EXPECT_EQ(s.use_count(), 1);  // the tree let go of every copy
}

}  // namespace
