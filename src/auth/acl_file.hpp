// Mosquitto's acl_file, read unchanged, with Mosquitto 2.0's semantics (src/security.c and
// src/security_default.c of 2.0.x; behaviour checked against mosquitto 2.0.11).
//
// File format:
//   # comment                                (a '#' as the first non-blank character)
//   topic [read|write|readwrite|deny] TOPIC  rules for the current user
//   user NAME                                following topic rules are NAME's (NAME may hold spaces)
//   pattern [read|write|readwrite|deny] PAT  rules for every client, with %c -> client id and
//                                            %u -> username substituted (anywhere in PAT)
// Keywords and fields are separated by spaces (not tabs), as in Mosquitto. No access word means
// readwrite; a single word after "topic" is the topic ("topic read" grants readwrite on "read").
// TOPIC may contain spaces when an access word is given, and '+'/'#' wildcards (validated as in a
// subscription). `topic` rules before the first `user` line belong to anonymous clients (no
// username) only; a client whose username has no `user` section gets no `topic` rules at all.
// `topic` rules do not substitute %c/%u (a warning is recorded when they contain them).
//
// Decision for one check (Read or Write), in this order:
//  1. Write to "$SYS..." is refused, except "$SYS/broker/connection/+/state" (bridge status),
//     which still needs a rule. Read or Write on "$share..." is refused.
//  2. No rules for this client and no patterns at all: refused.
//  3. The client's `topic` rules, `deny` rules first, then the others in file order: the first
//     rule that matches the topic decides: deny -> refused; it grants the access -> allowed; a
//     matching rule that grants only the other access does not decide. Topics beginning with '$'
//     are only matched by rules beginning with '$' (so "#" never covers $SYS).
//  4. If there are patterns: a client id or username containing '+' or '#' (and '/', unless
//     Options::refuse_slash_in_substitution is false; see below) gets nothing from patterns:
//     refused. Patterns with %u are skipped for anonymous clients.
//  5. The patterns, deny first, then in file order, decide like step 3.
//  6. Otherwise refused.
// So a user's `topic` grant wins over a `pattern deny`, and a `topic deny` over a pattern grant.
//
// '/' in substituted values: Mosquitto 2.0.11 substitutes a client id "x/y" into "c/%c/#" (it only
// refuses '+' and '#'; verified), which lets client "x/y" write under client "x"'s "c/x/#". tapmq
// refuses '/' too by default (what Mosquitto 1.x did); set refuse_slash_in_substitution = false
// for 2.0.11's exact behaviour.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_file.hpp"  // AuthFileError

namespace tapmq::auth {

// Same values as Mosquitto's MOSQ_ACL_READ / MOSQ_ACL_WRITE / MOSQ_ACL_SUBSCRIBE.
enum class Access : unsigned { Read = 1, Write = 2, Subscribe = 4 };

using AclFileError = AuthFileError;

class AclFile {
  public:
    enum class SubscribeCheck {
        // Mosquitto 2.0: the acl_file does not judge SUBSCRIBE at all (security_default.c returns
        // success for MOSQ_ACL_SUBSCRIBE; mosquitto 2.0.11 grants SUBACK 0x00 to a filter the
        // client can never read). Only the per-message Read check filters what is delivered.
        Mosquitto,
        // A stricter answer for SUBACK: refuse a filter when a `deny` rule of the client covers
        // every topic it can match, or when no rule granting read can match any topic it matches
        // (neither the client's `topic` rules nor, when usable, the patterns). Never refuses a
        // filter through which some message could be delivered, so Read checks stay the authority.
        Strict,
    };
    struct Options {
        bool refuse_slash_in_substitution = true;
        SubscribeCheck subscribe_check = SubscribeCheck::Mosquitto;
    };

    AclFile() = default;

    // Throws AclFileError "<file>:<line>: <reason>" for a line Mosquitto refuses: unknown keyword,
    // "topic"/"pattern" without a topic, unknown access word, invalid wildcard use, "user" without
    // a name. (Mosquitto refuses the whole file too.)
    static AclFile load(const std::filesystem::path& path, Options options);
    static AclFile load(const std::filesystem::path& path) { return load(path, Options{}); }
    static AclFile parse(std::string_view text, std::string_view name, Options options);
    static AclFile parse(std::string_view text, std::string_view name) {
        return parse(text, name, Options{});
    }

    // The check. `username` is nullopt for an anonymous client (an empty username is a username).
    //
    // What the broker calls, and when (as Mosquitto 2.0 does):
    //  - PUBLISH received: allowed(user, id, topic_name, Access::Write). Refused -> PUBACK/PUBREC
    //    0x87 (MQTT 5) or silently dropped (3.1.1), as Mosquitto does.
    //  - SUBSCRIBE: for each filter, allowed(user, id, filter, Access::Subscribe) with the filter
    //    as sent, "$share/group/..." included. Refused -> SUBACK 0x87 (MQTT 5) / 0x80 (3.1.1). With
    //    SubscribeCheck::Mosquitto this is always true (see above); a "$share/..." filter is
    //    judged by the filter after "$share/group/".
    //  - Every delivery to a subscriber, including retained messages sent on subscribe:
    //    allowed(subscriber's user, subscriber's id, topic_name, Access::Read), the topic name of
    //    the message, never the filter. Refused -> that message is not sent to that client.
    //  - Will messages are published as the client: Write on the will topic when it is sent.
    // Thread-safe (const, no mutable state).
    bool allowed(std::optional<std::string_view> username, std::string_view client_id,
                 std::string_view topic_or_filter, Access access) const;

    // "pattern without %c or %u" (Mosquitto warns too) and "%c/%u in a topic rule".
    const std::vector<std::string>& warnings() const noexcept { return warnings_; }
    std::size_t rule_count() const noexcept;
    const Options& options() const noexcept { return options_; }

    struct Rule {
        std::string topic;
        unsigned access = 0;  // 0 = deny, else Read|Write bits
        bool has_c = false;   // patterns: contains "%c"
        bool has_u = false;   // patterns: contains "%u"
    };

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using RuleList = std::vector<Rule>;  // deny rules first, then grants in file order

    // Deny rules go before every grant (Mosquitto prepends them), grants keep the file's order.
    static void insert_rule(RuleList& list, Rule rule);
    // A parsed `topic` (in the current `user` section) or `pattern` rule; `where` prefixes warnings.
    void add_rule(bool pattern, Rule rule, const std::optional<std::string>& user, const std::string& where);
    const RuleList* rules_for(std::optional<std::string_view> username) const;
    bool patterns_usable(std::optional<std::string_view> username, std::string_view client_id) const;
    bool subscribe_strict(std::optional<std::string_view> username, std::string_view client_id,
                          std::string_view filter) const;

    Options options_;
    std::optional<RuleList> anonymous_;
    std::unordered_map<std::string, RuleList, StringHash, std::equal_to<>> users_;
    RuleList patterns_;
    std::vector<std::string> warnings_;
};

// Mosquitto's mosquitto_topic_matches_sub(): does topic name `topic` match `filter`? A '$' topic
// only matches a filter starting with '$' (and vice versa); an invalid filter or a topic holding
// '+' or '#' matches nothing.
bool acl_topic_matches(std::string_view filter, std::string_view topic) noexcept;
// Mosquitto's mosquitto_sub_topic_check() (wildcard placement, at most 65535 bytes, non-empty).
bool acl_valid_filter(std::string_view filter) noexcept;
// Is there a topic name that both filters match?
bool acl_filters_intersect(std::string_view a, std::string_view b) noexcept;
// Does `outer` match every topic name that `inner` matches?
bool acl_filter_covers(std::string_view outer, std::string_view inner) noexcept;

}  // namespace tapmq::auth
