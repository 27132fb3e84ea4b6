// Topic names, topic filters, wildcard matching and shared subscriptions (spec 4.7, 4.8.2).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "mqtt/topic.hpp"

namespace tapmq::mqtt {
namespace {

TEST(TopicName, Valid) {
    for (std::string_view name : {"a", "/", "//", "a/b", "/finance", "sport/tennis/player1", "$SYS/broker",
                                  " ", "a b/c", "caf\xC3\xA9", "a/", "ACCOUNTS"}) {
        EXPECT_TRUE(is_valid_topic_name(name)) << name;
    }
}

TEST(TopicName, Invalid) {
    for (std::string_view name : {"", "+", "#", "a/+", "a/#", "sport+", "a/b#", "+/a", "#/a", "a/+/b"}) {
        EXPECT_FALSE(is_valid_topic_name(name)) << name;
    }
}

TEST(TopicFilter, Valid) {
    for (std::string_view f : {
             "#",
             "+",
             "/",
             "//",
             "a",
             "sport/tennis/player1",
             "sport/tennis/player1/#",
             "sport/#",
             "sport/tennis/#",
             "sport/+",
             "sport/+/player1",
             "+/+",
             "/+",
             "+/",
             "+/tennis/#",
             "/#",
             "a//b",
             "$SYS/#",
             "$SYS/monitor/+",
             "$share/group/a/b",
             "$share/group/#",
             "$share/g/+",
             "$share/g//",
             "$share/g/+/x/#",
             "$share",  // not a shared subscription: an ordinary one-level filter
             "$sharex/a",
             "$SHARE/g/x",
         }) {
        EXPECT_TRUE(is_valid_topic_filter(f)) << f;
    }
}

TEST(TopicFilter, Invalid) {
    for (std::string_view f : {
             "",
             "a/#/b",
             "a+",
             "+a",
             "#a",
             "a#",
             "sport/tennis#",
             "sport+",
             "sport/+tennis",
             "##",
             "++",
             "#/",
             "#/#",
             "a/b/#/",
             "$share/",
             "$share/grp",
             "$share//a",
             "$share/g+/a",
             "$share/g#/a",
             "$share/+/a",
             "$share/#/a",
             "$share/grp/",
             "$share/grp/a/#/b",
             "$share/grp/a+",
         }) {
        EXPECT_FALSE(is_valid_topic_filter(f)) << f;
    }
}

TEST(TopicFilter, HasWildcard) {
    EXPECT_TRUE(has_wildcard("#"));
    EXPECT_TRUE(has_wildcard("+"));
    EXPECT_TRUE(has_wildcard("a/+/b"));
    EXPECT_TRUE(has_wildcard("a/#"));
    EXPECT_FALSE(has_wildcard(""));
    EXPECT_FALSE(has_wildcard("a/b"));
    EXPECT_FALSE(has_wildcard("$SYS/x"));
}

TEST(TopicFilter, HasWildcardAtEveryPosition) {
    // Checked 8 bytes at a time: a wildcard must be found in any byte of a word and in the tail,
    // and the bytes next to '+' (0x2B) and '#' (0x23) must not be taken for them.
    for (std::size_t length = 1; length <= 40; ++length) {
        const std::string plain(length, 'a');
        ASSERT_FALSE(has_wildcard(plain)) << length;
        for (std::size_t at = 0; at < length; ++at) {
            for (char c : {'+', '#'}) {
                std::string s = plain;
                s[at] = c;
                ASSERT_TRUE(has_wildcard(s)) << c << " at " << at << " of " << length;
            }
            for (char c : {'*', ',', '"', '$', '\x80', '\xAB'}) {
                std::string s = plain;
                s[at] = c;
                ASSERT_FALSE(has_wildcard(s)) << int(c) << " at " << at << " of " << length;
            }
        }
    }
}

TEST(SharedFilter, Detection) {
    EXPECT_TRUE(is_shared_filter("$share/g/a"));
    EXPECT_TRUE(is_shared_filter("$share/"));
    EXPECT_FALSE(is_shared_filter("$share"));
    EXPECT_FALSE(is_shared_filter("$SHARE/g/a"));
    EXPECT_FALSE(is_shared_filter("a/$share/g/a"));
    EXPECT_FALSE(is_shared_filter("$sharex/g/a"));
    EXPECT_FALSE(is_shared_filter(""));
}

TEST(SharedFilter, Split) {
    struct Case {
        std::string_view full;
        std::string_view group;
        std::string_view filter;
    };
    for (const auto& c :
         {Case{"$share/grp/a/b", "grp", "a/b"}, Case{"$share/g/#", "g", "#"}, Case{"$share/g//", "g", "/"},
          Case{"$share/consumer1/sport/tennis/+", "consumer1", "sport/tennis/+"},
          Case{"$share/g/$SYS/x", "g", "$SYS/x"}}) {
        ASSERT_TRUE(is_shared_filter(c.full));
        ASSERT_TRUE(is_valid_topic_filter(c.full)) << c.full;
        SharedFilter s = split_shared_filter(c.full);
        EXPECT_EQ(s.group, c.group) << c.full;
        EXPECT_EQ(s.filter, c.filter) << c.full;
        // Views into the original.
        EXPECT_EQ(s.filter.data() + s.filter.size(), c.full.data() + c.full.size());
    }
}

struct MatchCase {
    std::string_view filter;
    std::string_view name;
    bool matches;
};

void PrintTo(const MatchCase& c, std::ostream* os) {
    *os << '"' << c.filter << "\" vs \"" << c.name << "\" -> " << (c.matches ? "match" : "no match");
}

class TopicMatch : public testing::TestWithParam<MatchCase> {};

TEST_P(TopicMatch, Table) {
    const auto& c = GetParam();
    EXPECT_EQ(topic_matches(c.filter, c.name), c.matches)
        << "filter \"" << c.filter << "\" name \"" << c.name << '"';
}

// Spec 4.7.1.2 / 4.7.1.3 / 4.7.2 examples and their edges.
const MatchCase kMatchCases[] = {
    // Exact.
    {"a", "a", true},
    {"a/b", "a/b", true},
    {"a/b", "a/c", false},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"a", "b", false},
    {"ACCOUNTS", "Accounts", false},
    {"Accounts payable", "Accounts payable", true},
    {"a/b", "a/b/", false},
    {"/a", "a", false},
    // Multi-level wildcard.
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/tennis/player1/#", "sport/tennis", false},
    {"sport/#", "sport", true},
    {"sport/#", "sport/", true},
    {"sport/#", "sports", false},
    {"sport/#", "Sport/x", false},
    {"#", "sport", true},
    {"#", "sport/tennis/player1", true},
    {"#", "/", true},
    {"#", "/finance", true},
    {"/#", "/", true},
    {"/#", "/finance", true},
    {"/#", "finance", false},
    {"a/b/#", "a", false},
    // Single-level wildcard.
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player2", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+", "finance", true},
    {"+", "/finance", false},
    {"+", "/", false},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+/+", "/", true},
    {"/+", "/", true},
    {"+/tennis/#", "sport/tennis/player1", true},
    {"+/tennis/#", "sport/tennis", true},
    {"+/tennis/#", "sport/golf", false},
    {"sport/+/player1", "sport/tennis/player1", true},
    {"sport/+/player1", "sport//player1", true},
    {"sport/+/player1", "sport/tennis/player2", false},
    {"+/+/+", "a/b", false},
    {"+/+/+", "a/b/c", true},
    {"+/#", "a", true},
    {"+/#", "a/b/c", true},
    // Empty levels.
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/b", "a//b", false},
    {"/", "/", true},
    {"//", "//", true},
    {"//", "/", false},
    {"a/", "a/", true},
    {"a/", "a", false},
    {"a/+", "a/", true},
    {"a/#", "a/", true},
    {"+//+", "//", true},
    // Topics beginning with '$' (spec 4.7.2).
    {"#", "$SYS", false},
    {"#", "$SYS/monitor/Clients", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"+", "$SYS", false},
    {"+/#", "$SYS/x", false},
    {"$SYS/#", "$SYS/monitor/Clients", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"$SYS/+/Clients", "$SYS/monitor/Clients", true},
    {"$SYS", "$SYS", true},
    {"a/#", "a/$SYS", true},
    {"a/+", "a/$x", true},
    {"#", "x$", true},
};

INSTANTIATE_TEST_SUITE_P(Spec, TopicMatch, testing::ValuesIn(kMatchCases));

TEST(TopicMatchProperties, EveryValidNameMatchesItselfAndHash) {
    for (std::string_view name : {"a", "/", "a/b/c", "//x//", "sport/tennis/player1", "x/"}) {
        EXPECT_TRUE(topic_matches(name, name)) << name;
        EXPECT_TRUE(topic_matches("#", name)) << name;
    }
}

TEST(TopicMatchProperties, PlusMatchesExactlyOneLevel) {
    // For names of 1..4 levels, "+/+/..." with k levels matches exactly the names with k levels.
    const std::vector<std::string_view> names = {"a", "a/b", "a/b/c", "a/b/c/d", "/", "//", "///"};
    const std::vector<std::string_view> filters = {"+", "+/+", "+/+/+", "+/+/+/+"};
    auto levels = [](std::string_view s) {
        std::size_t n = 1;
        for (char c : s)
            n += c == '/';
        return n;
    };
    for (auto f : filters) {
        for (auto n : names)
            EXPECT_EQ(topic_matches(f, n), levels(f) == levels(n)) << f << " vs " << n;
    }
}

}  // namespace
}  // namespace tapmq::mqtt
