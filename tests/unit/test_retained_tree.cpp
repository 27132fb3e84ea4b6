// RetainedTree: set/replace/erase with byte accounting, filter matching against mqtt::topic_matches as
// an oracle, the '$' rule, for_each, erase_if and pruning, and concurrent readers with a writer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker/retained_tree.hpp"
#include "mqtt/topic.hpp"

namespace {

using tapmq::broker::RetainedTree;
using tapmq::mqtt::topic_matches;

std::string join(const std::vector<std::string>& levels) {
    std::string s;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (i != 0) s.push_back('/');
        s += levels[i];
    }
    return s;
}

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

std::multiset<std::string> matched(const RetainedTree<std::string>& tree, std::string_view filter) {
    std::vector<std::string> out;
    tree.match(filter, out);
    return {out.begin(), out.end()};
}

TEST(RetainedTree, SetGetReplaceErase) {
    RetainedTree<std::string> tree;
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.bytes(), 0u);
    EXPECT_FALSE(tree.get("a/b").has_value());
    EXPECT_TRUE(tree.set("a/b", "one", 3));
    EXPECT_TRUE(tree.set("a", "parent", 6));
    EXPECT_EQ(tree.get("a/b"), "one");
    EXPECT_EQ(tree.get("a"), "parent");
    EXPECT_FALSE(tree.get("a/b/c").has_value());
    EXPECT_FALSE(tree.get("b").has_value());
    EXPECT_EQ(tree.size(), 2u);
    EXPECT_EQ(tree.bytes(), 9u);
    EXPECT_FALSE(tree.set("a/b", "three", 100));  // replace: the old size leaves the account
    EXPECT_EQ(tree.get("a/b"), "three");
    EXPECT_EQ(tree.size(), 2u);
    EXPECT_EQ(tree.bytes(), 106u);
    EXPECT_FALSE(tree.erase("a/b/c"));
    EXPECT_FALSE(tree.erase("x"));
    EXPECT_TRUE(tree.erase("a"));
    EXPECT_FALSE(tree.erase("a"));  // the node still exists (it leads to a/b) but holds no value
    EXPECT_FALSE(tree.get("a").has_value());
    EXPECT_EQ(tree.get("a/b"), "three");
    EXPECT_EQ(tree.size(), 1u);
    EXPECT_EQ(tree.bytes(), 100u);
    EXPECT_TRUE(tree.erase("a/b"));
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.bytes(), 0u);
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(RetainedTree, SetWithinLimits) {
    RetainedTree<std::string> tree;
    EXPECT_EQ(tree.set_within("a", "1", 10, 2, 25), std::optional<bool>(true));
    EXPECT_EQ(tree.set_within("b", "2", 10, 2, 25), std::optional<bool>(true));
    EXPECT_FALSE(tree.set_within("c", "3", 1, 2, 25).has_value());     // a third message
    EXPECT_EQ(tree.node_count(), 2u);                                  // refused: no node was left behind
    EXPECT_FALSE(tree.set_within("a", "big", 16, 2, 25).has_value());  // 10 + 16 bytes > 25
    EXPECT_EQ(tree.get("a"), "1");
    EXPECT_EQ(tree.set_within("a", "15", 15, 2, 25), std::optional<bool>(false));  // replaced: 25 fits
    EXPECT_EQ(tree.bytes(), 25u);
    EXPECT_EQ(tree.set_within("a", "small", 1, 2, 25), std::optional<bool>(false));
    EXPECT_EQ(tree.set_within("$SYS/x", "s", 100, 2, 25), std::optional<bool>(true));  // '$': not counted
    EXPECT_EQ(tree.set_within("a", "1", 10, 2, 25), std::optional<bool>(false));
    EXPECT_TRUE(tree.erase("$SYS/x"));
    EXPECT_EQ(tree.set_within("c", "3", 100, 0, 0), std::optional<bool>(true));  // 0: unlimited
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_EQ(tree.bytes(), 120u);
}

TEST(RetainedTree, EmptyLevelsAreLevels) {
    RetainedTree<std::string> tree;
    tree.set("a//b", "a//b", 1);
    tree.set("/a", "/a", 1);
    tree.set("a/", "a/", 1);
    tree.set("/", "/", 1);
    tree.set("a/b", "a/b", 1);
    EXPECT_EQ(tree.node_count(), 7u);  // a, a/"", a//b, "", /a, /"" and a/b
    EXPECT_EQ(tree.size(), 5u);
    EXPECT_EQ(tree.get("a//b"), "a//b");
    EXPECT_FALSE(tree.get("a/b/").has_value());
    EXPECT_EQ(matched(tree, "a/+/b"), (std::multiset<std::string>{"a//b"}));
    EXPECT_EQ(matched(tree, "+/a"), (std::multiset<std::string>{"/a"}));
    EXPECT_EQ(matched(tree, "a/+"), (std::multiset<std::string>{"a/", "a/b"}));
    EXPECT_EQ(matched(tree, "+/+"), (std::multiset<std::string>{"a/", "a/b", "/a", "/"}));
    EXPECT_EQ(matched(tree, "/#"), (std::multiset<std::string>{"/a", "/"}));
    std::set<std::string> seen;
    tree.for_each([&](std::string_view topic, const std::string& v) {
        EXPECT_EQ(topic, v);
        seen.insert(std::string(topic));
    });
    EXPECT_EQ(seen, (std::set<std::string>{"a//b", "/a", "a/", "/", "a/b"}));
}

TEST(RetainedTree, DollarRule) {
    RetainedTree<std::string> tree;
    for (const char* t : {"$SYS/broker/uptime", "$SYS", "$other/x", "a", "a/$SYS", "x/broker/uptime"}) {
        tree.set(t, t, 1);
    }
    EXPECT_EQ(matched(tree, "#"), (std::multiset<std::string>{"a", "a/$SYS", "x/broker/uptime"}));
    EXPECT_EQ(matched(tree, "+/broker/uptime"), (std::multiset<std::string>{"x/broker/uptime"}));
    EXPECT_EQ(matched(tree, "+"), (std::multiset<std::string>{"a"}));
    EXPECT_EQ(matched(tree, "$SYS/#"), (std::multiset<std::string>{"$SYS", "$SYS/broker/uptime"}));
    EXPECT_EQ(matched(tree, "$SYS/+/uptime"), (std::multiset<std::string>{"$SYS/broker/uptime"}));
    EXPECT_EQ(matched(tree, "a/+"), (std::multiset<std::string>{"a/$SYS"}));
    EXPECT_EQ(matched(tree, "a/#"), (std::multiset<std::string>{"a", "a/$SYS"}));
}

TEST(RetainedTree, ExhaustiveAgainstOracle) {
    const auto topics = all_sequences({"a", "b", "$SYS", ""}, 4);
    std::vector<std::string> filters;
    for (auto& f : all_sequences({"a", "b", "$SYS", "", "+", "#"}, 4)) {
        if (tapmq::mqtt::is_valid_topic_filter(f)) filters.push_back(std::move(f));
    }
    RetainedTree<std::string> tree;
    for (const auto& t : topics)
        tree.set(t, t, t.size());
    EXPECT_EQ(tree.size(), topics.size());
    std::size_t total = 0;
    for (const auto& f : filters) {
        std::multiset<std::string> expected;
        for (const auto& t : topics) {
            if (topic_matches(f, t)) expected.insert(t);
        }
        ASSERT_EQ(matched(tree, f), expected) << "filter '" << f << "'";
        total += expected.size();
    }
    EXPECT_GT(total, 5000u);
    // for_each rebuilds every topic name exactly once.
    std::multiset<std::string> seen;
    tree.for_each([&](std::string_view topic, const std::string& v) {
        EXPECT_EQ(topic, v);
        seen.insert(std::string(topic));
    });
    EXPECT_EQ(seen, std::multiset<std::string>(topics.begin(), topics.end()));
    // Erase half of them at random, check again, then erase the rest: all nodes pruned.
    std::mt19937 rng(3);
    std::vector<std::string> remaining;
    std::size_t bytes = 0;
    for (const auto& t : topics)
        bytes += t.size();
    for (const auto& t : topics) {
        if (rng() % 2) {
            EXPECT_TRUE(tree.erase(t));
            bytes -= t.size();
        } else {
            remaining.push_back(t);
        }
    }
    EXPECT_EQ(tree.bytes(), bytes);
    for (const auto& f : filters) {
        std::multiset<std::string> expected;
        for (const auto& t : remaining) {
            if (topic_matches(f, t)) expected.insert(t);
        }
        ASSERT_EQ(matched(tree, f), expected) << "filter '" << f << "'";
    }
    for (const auto& t : remaining)
        EXPECT_TRUE(tree.erase(t));
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.bytes(), 0u);
    EXPECT_EQ(tree.node_count(), 0u);
}

struct Message {
    std::string payload;
    int expires_at = 0;
};

TEST(RetainedTree, EraseIfRemovesAndPrunes) {
    RetainedTree<Message> tree;
    tree.set("a", {"a", 5}, 10);
    tree.set("a/b", {"ab", 1}, 20);
    tree.set("a/b/c", {"abc", 2}, 30);
    tree.set("a/x/y/z", {"axyz", 3}, 40);
    tree.set("b", {"b", 9}, 50);
    EXPECT_EQ(tree.node_count(), 7u);
    EXPECT_EQ(tree.erase_if([](const Message& m) { return m.expires_at < 0; }), 0u);
    EXPECT_EQ(tree.erase_if([](const Message& m) { return m.expires_at <= 3; }), 3u);
    EXPECT_EQ(tree.size(), 2u);
    EXPECT_EQ(tree.bytes(), 60u);
    EXPECT_EQ(tree.node_count(), 2u);  // "a" and "b": every deeper node was pruned
    EXPECT_EQ(tree.get("a")->payload, "a");
    EXPECT_FALSE(tree.get("a/b").has_value());
    std::vector<Message> out;
    tree.match("#", out);
    EXPECT_EQ(out.size(), 2u);
    EXPECT_EQ(tree.erase_if([](const Message&) { return true; }), 2u);
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.bytes(), 0u);
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(RetainedTree, EraseIfKeepsInnerNodesWithValues) {
    RetainedTree<int> tree;
    tree.set("p", 1, 1);
    tree.set("p/q", 2, 1);
    tree.set("p/q/r", 3, 1);
    EXPECT_EQ(tree.erase_if([](int v) { return v == 2; }), 1u);
    EXPECT_EQ(tree.node_count(), 3u);  // p/q has no value but leads to p/q/r
    EXPECT_EQ(tree.get("p/q/r"), 3);
    EXPECT_EQ(tree.erase_if([](int v) { return v == 3; }), 1u);
    EXPECT_EQ(tree.node_count(), 1u);
}

TEST(RetainedTree, VeryDeepTopic) {
    std::string deep;
    for (int i = 0; i < 30000; ++i)
        deep += i == 0 ? "d" : "/d";
    {
        RetainedTree<int> tree;
        tree.set(deep, 1, 1);
        tree.set("d", 2, 1);
        std::vector<int> out;
        tree.match("#", out);
        EXPECT_EQ(out.size(), 2u);
        out.clear();
        tree.match(deep, out);
        EXPECT_EQ(out, std::vector<int>{1});
        std::size_t longest = 0;
        tree.for_each([&](std::string_view t, int) { longest = std::max(longest, t.size()); });
        EXPECT_EQ(longest, deep.size());
    }  // destroyed with every level in place
    RetainedTree<int> tree;
    tree.set(deep, 1, 1);
    EXPECT_EQ(tree.erase_if([](int) { return true; }), 1u);
    EXPECT_EQ(tree.node_count(), 0u);
    tree.set(deep, 1, 1);
    EXPECT_TRUE(tree.erase(deep));
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(RetainedTree, ConcurrentReadersAndWriter) {
    RetainedTree<std::string> tree;
    for (int i = 0; i < 10; ++i)
        tree.set("stable/" + std::to_string(i), "s", 1);
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    auto reader = [&] {
        std::vector<std::string> out;
        std::size_t iterations = 0;
        while (!stop.load(std::memory_order_relaxed) || iterations < 500) {
            out.clear();
            tree.match("stable/+", out);
            if (out.size() != 10) ++failures;
            out.clear();
            tree.match("#", out);
            if (std::count(out.begin(), out.end(), "s") != 10) ++failures;
            if (tree.get("stable/3") != "s") ++failures;
            ++iterations;
        }
    };
    std::thread r1(reader), r2(reader);
    std::thread writer([&] {
        std::mt19937 rng(5);
        for (int i = 0; i < 20000; ++i) {
            const std::string topic = "churn/" + std::to_string(rng() % 50) + "/" + std::to_string(rng() % 4);
            switch (rng() % 3) {
                case 0:
                    tree.set(topic, "c", 1);
                    break;
                case 1:
                    tree.erase(topic);
                    break;
                default:
                    tree.erase_if([](const std::string& v) { return v == "never"; });
                    break;
            }
        }
        tree.erase_if([](const std::string& v) { return v == "c"; });
        stop = true;
    });
    writer.join();
    r1.join();
    r2.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(tree.size(), 10u);
    EXPECT_EQ(tree.node_count(), 11u);
}

}  // namespace
