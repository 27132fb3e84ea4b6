// Mosquitto acl_file: parsing as Mosquitto 2.0 does, and its decisions (deny first, $SYS, patterns,
// anonymous rules, subscribe checks).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "auth/acl_file.hpp"
#include "test_auth_util.hpp"

namespace tapmq::auth {
namespace {

constexpr auto R = Access::Read;
constexpr auto W = Access::Write;
constexpr auto S = Access::Subscribe;
constexpr std::optional<std::string_view> kAnon = std::nullopt;

AclFile acl(std::string_view text, AclFile::Options options = {}) {
    return AclFile::parse(text, "acl.txt", options);
}

void expect_parse_error(std::string_view text, std::size_t line, std::string_view reason_part) {
    try {
        (void)AclFile::parse(text, "acl.txt");
        ADD_FAILURE() << "no error for:\n" << text;
    } catch (const AclFileError& e) {
        EXPECT_EQ(e.file(), "acl.txt");
        EXPECT_EQ(e.line(), line) << e.what();
        EXPECT_NE(e.reason().find(reason_part), std::string::npos) << e.what();
    }
}

// ---- topic algebra ----

TEST(AuthAclTopics, MatchesLikeMosquittoTopicMatchesSub) {
    EXPECT_TRUE(acl_topic_matches("a/b", "a/b"));
    EXPECT_FALSE(acl_topic_matches("a/b", "a/b/c"));
    EXPECT_TRUE(acl_topic_matches("a/+", "a/b"));
    EXPECT_TRUE(acl_topic_matches("a/+", "a/"));
    EXPECT_FALSE(acl_topic_matches("a/+", "a"));
    EXPECT_FALSE(acl_topic_matches("a/+", "a/b/c"));
    EXPECT_TRUE(acl_topic_matches("a/#", "a"));
    EXPECT_TRUE(acl_topic_matches("a/#", "a/b/c"));
    EXPECT_TRUE(acl_topic_matches("a/+/#", "a/b"));
    EXPECT_TRUE(acl_topic_matches("#", "a/b"));
    EXPECT_TRUE(acl_topic_matches("+/+", "/x"));
    EXPECT_FALSE(acl_topic_matches("#", "$SYS/x"));
    EXPECT_FALSE(acl_topic_matches("+/x", "$SYS/x"));
    EXPECT_TRUE(acl_topic_matches("$SYS/#", "$SYS/x"));
    EXPECT_FALSE(acl_topic_matches("$SYS/#", "x"));
    EXPECT_FALSE(acl_topic_matches("a/b#", "a/b#"));  // invalid filter
    EXPECT_FALSE(acl_topic_matches("a/#", "a/+"));    // a topic name cannot hold wildcards
    EXPECT_FALSE(acl_topic_matches("", "a"));
}

TEST(AuthAclTopics, ValidFilter) {
    EXPECT_TRUE(acl_valid_filter("a/+/b/#"));
    EXPECT_TRUE(acl_valid_filter("+"));
    EXPECT_TRUE(acl_valid_filter("%c/x"));
    EXPECT_FALSE(acl_valid_filter("a+"));
    EXPECT_FALSE(acl_valid_filter("a/#/b"));
    EXPECT_FALSE(acl_valid_filter("#a"));
    EXPECT_FALSE(acl_valid_filter(""));
    EXPECT_FALSE(acl_valid_filter(std::string(65536, 'a')));
}

TEST(AuthAclTopics, FiltersIntersect) {
    EXPECT_TRUE(acl_filters_intersect("a/#", "#"));
    EXPECT_TRUE(acl_filters_intersect("a/+/c", "a/b/+"));
    EXPECT_TRUE(acl_filters_intersect("a", "a/#"));
    EXPECT_FALSE(acl_filters_intersect("a/b", "a/c"));
    EXPECT_FALSE(acl_filters_intersect("a/+", "a"));
    EXPECT_FALSE(acl_filters_intersect("#", "$SYS/#"));
    EXPECT_FALSE(acl_filters_intersect("+/x", "$SYS/x"));
    EXPECT_TRUE(acl_filters_intersect("$SYS/#", "$SYS/broker/+"));
}

TEST(AuthAclTopics, FilterCovers) {
    EXPECT_TRUE(acl_filter_covers("a/#", "a/b/+"));
    EXPECT_TRUE(acl_filter_covers("a/#", "a/#"));
    EXPECT_TRUE(acl_filter_covers("a/#", "a"));
    EXPECT_TRUE(acl_filter_covers("a/+", "a/b"));
    EXPECT_FALSE(acl_filter_covers("a/+", "a/#"));
    EXPECT_FALSE(acl_filter_covers("a/b", "a/+"));
    EXPECT_FALSE(acl_filter_covers("a/+/#", "a/#"));  // "a" itself is not covered
    EXPECT_FALSE(acl_filter_covers("#", "$SYS/x"));
    EXPECT_TRUE(acl_filter_covers("#", "+/x"));
}

// ---- parsing ----

TEST(AuthAclParse, ManPageExample) {
    const auto a =
        acl("# This only affects clients with username \"roger\".\n"
            "user roger\n"
            "topic foo/bar\n"
            "\n"
            "# This affects all clients.\n"
            "pattern write $SYS/broker/connection/%c/state\n"
            "pattern write sensor/%u/data\n");
    EXPECT_EQ(a.rule_count(), 3U);
    EXPECT_TRUE(a.warnings().empty());
    EXPECT_TRUE(a.allowed("roger", "c1", "foo/bar", R));
    EXPECT_TRUE(a.allowed("roger", "c1", "foo/bar", W));
    EXPECT_FALSE(a.allowed("roger", "c1", "foo/baz", R));
    EXPECT_TRUE(a.allowed("roger", "c1", "sensor/roger/data", W));
    EXPECT_FALSE(a.allowed("roger", "c1", "sensor/roger/data", R));
    EXPECT_TRUE(a.allowed("fred", "c1", "sensor/fred/data", W));
    EXPECT_FALSE(a.allowed("fred", "c1", "sensor/roger/data", W));
    EXPECT_TRUE(a.allowed(kAnon, "bridge1", "$SYS/broker/connection/bridge1/state", W));
    EXPECT_FALSE(a.allowed(kAnon, "bridge1", "$SYS/broker/connection/bridge2/state", W));
}

TEST(AuthAclParse, AccessWords) {
    const auto a = acl("topic read r\ntopic write w\ntopic readwrite rw\ntopic deny d\ntopic plain\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "r", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "r", W));
    EXPECT_FALSE(a.allowed(kAnon, "c", "w", R));
    EXPECT_TRUE(a.allowed(kAnon, "c", "w", W));
    EXPECT_TRUE(a.allowed(kAnon, "c", "rw", R));
    EXPECT_TRUE(a.allowed(kAnon, "c", "rw", W));
    EXPECT_FALSE(a.allowed(kAnon, "c", "d", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "d", W));
    EXPECT_TRUE(a.allowed(kAnon, "c", "plain", R));
    EXPECT_TRUE(a.allowed(kAnon, "c", "plain", W));
}

TEST(AuthAclParse, SingleWordIsTheTopicEvenIfItIsAnAccessWord) {
    const auto a = acl("topic read\n");  // Mosquitto: readwrite access to the topic "read"
    EXPECT_TRUE(a.allowed(kAnon, "c", "read", W));
    EXPECT_FALSE(a.allowed(kAnon, "c", "other", R));
}

TEST(AuthAclParse, TopicsAndUsersWithSpaces) {
    const auto a = acl("user  john  smith \ntopic   read   my topic/with spaces  \n");
    EXPECT_TRUE(a.allowed("john  smith", "c", "my topic/with spaces", R));
    EXPECT_FALSE(a.allowed("john smith", "c", "my topic/with spaces", R));
}

TEST(AuthAclParse, CommentsBlankLinesAndCrlf) {
    const auto a = acl("# c\r\n\r\n   \n\t\n  # indented\ntopic a\r\n");
    EXPECT_EQ(a.rule_count(), 1U);
    EXPECT_TRUE(a.allowed(kAnon, "c", "a", R));
}

TEST(AuthAclParse, WarnsAboutPatternsWithoutSubstitution) {
    const auto a = acl("pattern read a/b\n");
    ASSERT_EQ(a.warnings().size(), 1U);
    EXPECT_NE(a.warnings()[0].find("acl.txt:1:"), std::string::npos);
    EXPECT_NE(a.warnings()[0].find("does not contain"), std::string::npos);
}

TEST(AuthAclParse, WarnsAboutSubstitutionInTopicRules) {
    const auto a = acl("user u\ntopic read a/%u\n");
    ASSERT_EQ(a.warnings().size(), 1U);
    EXPECT_NE(a.warnings()[0].find("acl.txt:2:"), std::string::npos);
    // And it is not substituted.
    EXPECT_FALSE(a.allowed("u", "c", "a/u", R));
    EXPECT_TRUE(a.allowed("u", "c", "a/%u", R));
}

TEST(AuthAclParseError, UnknownKeyword) {
    expect_parse_error("topic a\nsubscribe a\n", 2, "invalid line");
}

TEST(AuthAclParseError, TabsAreNotSeparators) {
    expect_parse_error("topic\tread\ta\n", 1, "invalid line");
}

TEST(AuthAclParseError, TopicWithoutTopic) {
    expect_parse_error("topic\n", 1, "empty topic");
}

TEST(AuthAclParseError, PatternWithoutTopic) {
    expect_parse_error("\n\npattern   \n", 3, "empty topic");
}

TEST(AuthAclParseError, UnknownAccessWord) {
    expect_parse_error("topic readonly a/b\n", 1, "invalid topic access type");
}

TEST(AuthAclParseError, SpaceInTopicNeedsAccessWord) {
    expect_parse_error("topic my topic\n", 1, "invalid topic access type \"my\"");
}

TEST(AuthAclParseError, MisplacedHash) {
    expect_parse_error("topic read a/#/b\n", 1, "invalid ACL topic");
}

TEST(AuthAclParseError, MisplacedPlus) {
    expect_parse_error("pattern read a/b+/%c\n", 1, "invalid ACL topic");
}

TEST(AuthAclParseError, UserWithoutName) {
    expect_parse_error("user   \n", 1, "missing username");
}

TEST(AuthAclParseError, UnreadableFile) {
    try {
        (void)AclFile::load("/nonexistent/acl");
        ADD_FAILURE() << "no error";
    } catch (const AclFileError& e) {
        EXPECT_EQ(e.line(), 0U);
    }
}

TEST(AuthAclParse, LoadFromFile) {
    test::ScratchDir dir;
    test::write_file(dir / "acl", "topic read a/#\n");
    const auto a = AclFile::load(dir / "acl");
    EXPECT_TRUE(a.allowed(kAnon, "c", "a/b", R));
}

// ---- users and anonymous clients ----

TEST(AuthAcl, RulesBeforeTheFirstUserAreForAnonymousClientsOnly) {
    const auto a = acl("topic read public/#\nuser alice\ntopic alice/#\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "public/x", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "alice/x", R));
    EXPECT_FALSE(a.allowed("alice", "c", "public/x", R));  // not for users
    EXPECT_TRUE(a.allowed("alice", "c", "alice/x", W));
}

TEST(AuthAcl, UserWithoutSectionGetsNothing) {
    const auto a = acl("topic read public/#\nuser alice\ntopic #\n");
    EXPECT_FALSE(a.allowed("bob", "c", "public/x", R));
    EXPECT_FALSE(a.allowed("bob", "c", "anything", R));
}

TEST(AuthAcl, EmptyUsernameIsNotAnonymous) {
    const auto a = acl("topic anon\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "anon", R));
    EXPECT_FALSE(a.allowed("", "c", "anon", R));
}

TEST(AuthAcl, UserSectionsMerge) {
    const auto a = acl("user u\ntopic a\nuser v\ntopic b\nuser u\ntopic c\n");
    EXPECT_TRUE(a.allowed("u", "x", "a", R));
    EXPECT_TRUE(a.allowed("u", "x", "c", R));
    EXPECT_FALSE(a.allowed("u", "x", "b", R));
}

TEST(AuthAcl, EmptyFileRefusesEverything) {
    const auto a = acl("# nothing\n");
    EXPECT_FALSE(a.allowed(kAnon, "c", "a", R));
    EXPECT_FALSE(a.allowed("u", "c", "a", W));
    EXPECT_TRUE(a.allowed("u", "c", "a", S));  // Mosquitto 2.0 does not judge SUBSCRIBE
}

TEST(AuthAcl, EmptyTopicIsRefused) {
    const auto a = acl("topic #\n");
    EXPECT_FALSE(a.allowed(kAnon, "c", "", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "", S));
}

// ---- deny ----

TEST(AuthAcl, DenyWinsWhereverItIsWritten) {
    const auto a = acl("user u\ntopic readwrite a/#\ntopic deny a/secret/#\n");
    EXPECT_TRUE(a.allowed("u", "c", "a/open", R));
    EXPECT_FALSE(a.allowed("u", "c", "a/secret", R));
    EXPECT_FALSE(a.allowed("u", "c", "a/secret/x", W));
}

TEST(AuthAcl, MatchingRuleForTheOtherAccessDoesNotDecide) {
    const auto a = acl("topic read a/#\ntopic write a/b\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "a/b", W));
    EXPECT_TRUE(a.allowed(kAnon, "c", "a/b", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "a/c", W));
}

TEST(AuthAcl, UserTopicGrantBeatsPatternDeny) {
    const auto a = acl("user u\ntopic a/#\npattern deny a/%u/#\n");
    EXPECT_TRUE(a.allowed("u", "c", "a/u/x", R));  // topic rules are decided before patterns
    EXPECT_FALSE(a.allowed("v", "c", "a/v/x", R));
}

TEST(AuthAcl, UserTopicDenyBeatsPatternGrant) {
    const auto a = acl("user u\ntopic deny a/#\npattern a/%u/#\n");
    EXPECT_FALSE(a.allowed("u", "c", "a/u/x", R));
    EXPECT_TRUE(a.allowed("v", "c", "a/v/x", R));
}

TEST(AuthAcl, PatternDenyFirst) {
    const auto a = acl("pattern readwrite d/%c/#\npattern deny d/%c/private/#\n");
    EXPECT_TRUE(a.allowed(kAnon, "dev1", "d/dev1/x", W));
    EXPECT_FALSE(a.allowed(kAnon, "dev1", "d/dev1/private/x", W));
}

// ---- $SYS and $share ----

TEST(AuthAcl, SysIsNeverWritable) {
    const auto a = acl("topic $SYS/#\ntopic #\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "$SYS/broker/uptime", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$SYS/broker/uptime", W));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$SYS/broker/connection/x/statex", W));
}

TEST(AuthAcl, BridgeStateIsWritableWithARule) {
    const auto with = acl("topic $SYS/broker/connection/+/state\n");
    EXPECT_TRUE(with.allowed(kAnon, "c", "$SYS/broker/connection/b1/state", W));
    const auto without = acl("topic #\n");
    EXPECT_FALSE(without.allowed(kAnon, "c", "$SYS/broker/connection/b1/state", W));
}

TEST(AuthAcl, HashDoesNotCoverDollarTopics) {
    const auto a = acl("topic #\npattern #\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "x/y", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$SYS/broker/uptime", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$other/x", R));
}

TEST(AuthAcl, ShareTopicsAreNeverReadOrWritten) {
    const auto a = acl("topic $share/#\n");
    EXPECT_FALSE(a.allowed(kAnon, "c", "$share/g/x", R));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$share/g/x", W));
    EXPECT_TRUE(a.allowed(kAnon, "c", "$share/g/x", S));
}

// ---- patterns ----

TEST(AuthAcl, PatternsSubstituteClientIdAndUsername) {
    const auto a = acl("pattern readwrite c/%c/#\npattern read u/%u/+\npattern write x/%u-%c\n");
    EXPECT_TRUE(a.allowed("alice", "dev1", "c/dev1/t", W));
    EXPECT_FALSE(a.allowed("alice", "dev1", "c/dev2/t", W));
    EXPECT_TRUE(a.allowed("alice", "dev1", "u/alice/t", R));
    EXPECT_FALSE(a.allowed("alice", "dev1", "u/alice/t", W));
    EXPECT_TRUE(a.allowed("alice", "dev1", "x/alice-dev1", W));  // anywhere in the level, as Mosquitto
}

TEST(AuthAcl, UsernamePatternsSkipAnonymousClients) {
    const auto a = acl("pattern u/%u/#\npattern c/%c/#\n");
    EXPECT_FALSE(a.allowed(kAnon, "c1", "u/%u/x", R));
    EXPECT_FALSE(a.allowed(kAnon, "c1", "u//x", R));
    EXPECT_TRUE(a.allowed(kAnon, "c1", "c/c1/x", R));
}

TEST(AuthAcl, PatternsApplyToEveryUserAfterAUserLine) {
    const auto a = acl("user alice\npattern c/%c\n");
    EXPECT_TRUE(a.allowed("bob", "b1", "c/b1", R));
    EXPECT_TRUE(a.allowed(kAnon, "x", "c/x", R));
}

TEST(AuthAcl, WildcardsInIdsDisablePatterns) {
    const auto a = acl("user u+\ntopic own/#\npattern c/%c/#\npattern read public/#\n");
    EXPECT_FALSE(a.allowed(kAnon, "c+", "c/c+/x", W));
    EXPECT_FALSE(a.allowed(kAnon, "c#", "public/x", R));  // every pattern, not just %c ones
    EXPECT_FALSE(a.allowed("u+", "ok", "public/x", R));
    EXPECT_TRUE(a.allowed("u+", "ok", "own/x", R));  // topic rules still apply
    EXPECT_TRUE(a.allowed("u", "ok", "public/x", R));
}

TEST(AuthAcl, SlashInIdsIsRefusedByDefault) {
    const auto a = acl("pattern c/%c/#\npattern u/%u/#\n");
    EXPECT_TRUE(a.allowed(kAnon, "x", "c/x/y", W));
    EXPECT_FALSE(a.allowed(kAnon, "x/y", "c/x/y/z", W));  // would reach into client "x"'s tree
    EXPECT_FALSE(a.allowed("a/b", "c1", "u/a/b/z", W));
}

TEST(AuthAcl, SlashInIdsAsMosquitto2011) {
    AclFile::Options o;
    o.refuse_slash_in_substitution = false;
    const auto a = acl("pattern c/%c/#\npattern u/%u/#\n", o);
    EXPECT_TRUE(a.allowed(kAnon, "x/y", "c/x/y/z", W));  // what mosquitto 2.0.11 does
    EXPECT_TRUE(a.allowed("a/b", "c1", "u/a/b/z", W));
    EXPECT_FALSE(a.allowed(kAnon, "x+y", "c/x+y/z", W));
}

// ---- subscribe ----

TEST(AuthAclSubscribe, MosquittoModeGrantsEverySubscription) {
    const auto a = acl("user u\ntopic read a/#\ntopic deny a/secret/#\n");
    EXPECT_TRUE(a.allowed("u", "c", "b/#", S));
    EXPECT_TRUE(a.allowed("u", "c", "a/secret/#", S));
    EXPECT_TRUE(a.allowed("v", "c", "#", S));
    // ... and the delivery checks do the filtering.
    EXPECT_FALSE(a.allowed("u", "c", "b/x", R));
    EXPECT_FALSE(a.allowed("u", "c", "a/secret/x", R));
    EXPECT_TRUE(a.allowed("u", "c", "a/x", R));
}

AclFile strict(std::string_view text) {
    AclFile::Options o;
    o.subscribe_check = AclFile::SubscribeCheck::Strict;
    return acl(text, o);
}

TEST(AuthAclSubscribe, StrictNeedsAReadableTopic) {
    const auto a = strict("user u\ntopic read a/#\ntopic write w/#\n");
    EXPECT_TRUE(a.allowed("u", "c", "a/#", S));
    EXPECT_TRUE(a.allowed("u", "c", "a/b/+", S));
    EXPECT_TRUE(a.allowed("u", "c", "#", S));  // covers a/... among others
    EXPECT_TRUE(a.allowed("u", "c", "+/x", S));
    EXPECT_FALSE(a.allowed("u", "c", "b/#", S));
    EXPECT_FALSE(a.allowed("u", "c", "w/#", S));  // write-only
    EXPECT_FALSE(a.allowed("v", "c", "a/#", S));  // no rules at all
}

TEST(AuthAclSubscribe, StrictRefusesFiltersCoveredByDeny) {
    const auto a = strict("user u\ntopic read a/#\ntopic deny a/secret/#\n");
    EXPECT_FALSE(a.allowed("u", "c", "a/secret/#", S));
    EXPECT_FALSE(a.allowed("u", "c", "a/secret/x/+", S));
    EXPECT_TRUE(a.allowed("u", "c", "a/+/x", S));  // only partly denied
}

TEST(AuthAclSubscribe, StrictUsesPatterns) {
    const auto a = strict("pattern read c/%c/#\npattern deny c/%c/private/#\n");
    EXPECT_TRUE(a.allowed(kAnon, "d1", "c/d1/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "d1", "c/d2/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "d1", "c/d1/private/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "d+", "c/d+/#", S));
}

TEST(AuthAclSubscribe, StrictDollarTopics) {
    const auto a = strict("topic read #\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "x/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$SYS/#", S));
    const auto b = strict("topic read $SYS/broker/#\n");
    EXPECT_TRUE(b.allowed(kAnon, "c", "$SYS/#", S));
    EXPECT_FALSE(b.allowed(kAnon, "c", "#", S));
}

TEST(AuthAclSubscribe, StrictSharedSubscriptionsJudgeTheInnerFilter) {
    const auto a = strict("topic read jobs/#\n");
    EXPECT_TRUE(a.allowed(kAnon, "c", "$share/workers/jobs/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$share/workers/other/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$share//jobs/#", S));
    EXPECT_FALSE(a.allowed(kAnon, "c", "$share/g", S));
}

}  // namespace
}  // namespace tapmq::auth
