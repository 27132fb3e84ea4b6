#include "auth/acl_file.hpp"

#include "auth/text.hpp"

#include <algorithm>
#include <functional>

namespace tapmq::auth {
namespace {

using text::is_space;
using text::trim;

constexpr unsigned kRead = static_cast<unsigned>(Access::Read);
constexpr unsigned kWrite = static_cast<unsigned>(Access::Write);

std::vector<std::string_view> levels(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t p = s.find('/', start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

bool is_wild(std::string_view level) {
    return level == "+" || level == "#";
}
bool is_dollar_literal(std::string_view level) {
    return !level.empty() && level.front() == '$';
}

// strtok(" ")-style: skips leading spaces, returns the next space-delimited token and leaves `s`
// just past the single delimiter that ended it (like strtok_r's saveptr).
std::string_view next_token(std::string_view& s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    const std::size_t end = s.find(' ');
    std::string_view tok = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end + 1);
    return tok;
}

std::string substitute(std::string_view pattern, std::string_view client_id,
                       std::optional<std::string_view> user) {
    std::string out;
    out.reserve(pattern.size() + client_id.size());
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (i + 1 < pattern.size() && pattern[i] == '%') {
            if (pattern[i + 1] == 'c') {
                out.append(client_id);
                ++i;
                continue;
            }
            if (user && pattern[i + 1] == 'u') {
                out.append(*user);
                ++i;
                continue;
            }
        }
        out.push_back(pattern[i]);
    }
    return out;
}

// Strips "$share/{group}/" from a shared subscription; nullopt when it is malformed.
std::optional<std::string_view> unshare(std::string_view filter) {
    constexpr std::string_view kShare = "$share/";
    if (!filter.starts_with(kShare)) return filter;
    std::string_view rest = filter.substr(kShare.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    const std::string_view group = rest.substr(0, slash);
    if (group.find_first_of("+#") != std::string_view::npos) return std::nullopt;
    return rest.substr(slash + 1);
}

}  // namespace

// ---- topic algebra ----

bool acl_valid_filter(std::string_view filter) noexcept {
    if (filter.empty() || filter.size() > 65535) return false;
    char prev = '\0';
    for (std::size_t i = 0; i < filter.size(); ++i) {
        const char c = filter[i];
        const char next = i + 1 < filter.size() ? filter[i + 1] : '\0';
        if (c == '+') {
            if ((prev != '\0' && prev != '/') || (next != '\0' && next != '/')) return false;
        } else if (c == '#') {
            if ((prev != '\0' && prev != '/') || next != '\0') return false;
        }
        prev = c;
    }
    return true;
}

bool acl_topic_matches(std::string_view filter, std::string_view topic) noexcept {
    if (filter.empty() || topic.empty()) return false;
    if (topic.find_first_of("+#") != std::string_view::npos) return false;
    if (!acl_valid_filter(filter)) return false;
    if ((filter.front() == '$') != (topic.front() == '$')) return false;
    const auto f = levels(filter);
    const auto t = levels(topic);
    std::size_t i = 0;
    for (; i < f.size(); ++i) {
        if (f[i] == "#") return true;  // also matches the parent level ("a/#" matches "a")
        if (i == t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;
    }
    return i == t.size();
}

bool acl_filters_intersect(std::string_view a, std::string_view b) noexcept {
    if (!acl_valid_filter(a) || !acl_valid_filter(b)) return false;
    const auto la = levels(a);
    const auto lb = levels(b);
    for (std::size_t i = 0;; ++i) {
        const bool a_end = i == la.size();
        const bool b_end = i == lb.size();
        if (a_end && b_end) return true;
        if (a_end) return lb[i] == "#";
        if (b_end) return la[i] == "#";
        const std::string_view x = la[i];
        const std::string_view y = lb[i];
        if (i == 0) {
            // A wildcard first level never matches a '$' topic.
            if (is_wild(x) && is_dollar_literal(y)) return false;
            if (is_wild(y) && is_dollar_literal(x)) return false;
        }
        if (x == "#" || y == "#") return true;
        if (x == "+" || y == "+") continue;
        if (x != y) return false;
    }
}

bool acl_filter_covers(std::string_view outer, std::string_view inner) noexcept {
    if (!acl_valid_filter(outer) || !acl_valid_filter(inner)) return false;
    const auto o = levels(outer);
    const auto n = levels(inner);
    for (std::size_t i = 0;; ++i) {
        if (i == o.size()) return i == n.size();
        const std::string_view r = o[i];
        if (i == 0 && is_wild(r) && i < n.size() && is_dollar_literal(n[i])) return false;
        if (r == "#") return true;
        if (i == n.size()) return false;
        const std::string_view f = n[i];
        if (f == "#") return false;
        if (r == "+") continue;
        if (f != r) return false;  // includes f == "+"
    }
}

// ---- parsing ----

AclFile AclFile::load(const std::filesystem::path& path, Options options) {
    return parse(read_text_file(path), path.string(), options);
}

namespace {

// The line without surrounding blanks; empty for blank lines and # comments.
std::string_view significant(std::string_view line) {
    const std::string_view t = trim(line);
    return t.empty() || t.front() == '#' ? std::string_view{} : t;
}

// A `topic` / `pattern` line's access word as Read|Write bits (0 = deny); nullopt when unknown.
std::optional<unsigned> access_bits(std::string_view word) {
    if (word.empty() || word == "readwrite") return kRead | kWrite;
    if (word == "read") return kRead;
    if (word == "write") return kWrite;
    if (word == "deny") return 0u;
    return std::nullopt;
}

// The rule of `topic [ACCESS] TOPIC` / `pattern [ACCESS] TOPIC`; `rest` follows the keyword.
AclFile::Rule parse_rule(std::string_view keyword, std::string_view rest,
                         const std::function<void(std::string)>& fail) {
    std::string_view access_word = next_token(rest);
    if (access_word.empty()) fail("empty topic in " + std::string(keyword) + " rule");
    std::string_view topic = trim(rest);
    if (topic.empty()) {
        topic = access_word;  // "topic foo": the single word is the topic
        access_word = {};
    }
    const auto access = access_bits(access_word);
    if (!access) {
        fail("invalid topic access type \"" + std::string(access_word) +
             "\" (read, write, readwrite or deny; a topic with spaces needs one)");
    }
    if (!acl_valid_filter(topic)) fail("invalid ACL topic \"" + std::string(topic) + "\"");
    AclFile::Rule rule;
    rule.topic = std::string(topic);
    rule.access = *access;
    rule.has_c = topic.find("%c") != std::string_view::npos;
    rule.has_u = topic.find("%u") != std::string_view::npos;
    return rule;
}

}  // namespace

void AclFile::insert_rule(RuleList& list, Rule rule) {
    if (rule.access == 0) {
        // Deny rules go before every grant (Mosquitto prepends them).
        const auto first_grant =
            std::find_if(list.begin(), list.end(), [](const Rule& r) { return r.access != 0; });
        list.insert(first_grant, std::move(rule));
    } else {
        list.push_back(std::move(rule));
    }
}

void AclFile::add_rule(bool pattern, Rule rule, const std::optional<std::string>& user,
                       const std::string& where) {
    const bool substitutes = rule.has_c || rule.has_u;
    if (pattern) {
        if (!substitutes) {
            warnings_.push_back(where + "ACL pattern '" + rule.topic +
                                "' does not contain '%c' or '%u' (it applies to every client)");
        }
        insert_rule(patterns_, std::move(rule));
        return;
    }
    if (substitutes) {
        warnings_.push_back(where + "topic rule '" + rule.topic +
                            "' contains '%c' or '%u', which only pattern rules substitute");
        rule.has_c = rule.has_u = false;
    }
    if (user) {
        insert_rule(users_[*user], std::move(rule));
    } else {
        if (!anonymous_) anonymous_.emplace();
        insert_rule(*anonymous_, std::move(rule));
    }
}

AclFile AclFile::parse(std::string_view text, std::string_view name, Options options) {
    AclFile acl;
    acl.options_ = options;
    std::optional<std::string> user;  // the current `user` section; nullopt = anonymous
    std::size_t lineno = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view rest = significant(text.substr(start, end - start));
        start = end + 1;
        ++lineno;
        if (rest.empty()) continue;
        const auto fail = [&](const std::string& reason) {
            throw AclFileError(std::string(name), lineno, reason);
        };
        const std::string_view keyword = next_token(rest);
        if (keyword == "topic" || keyword == "pattern") {
            const std::string where = std::string(name) + ":" + std::to_string(lineno) + ": ";
            acl.add_rule(keyword == "pattern", parse_rule(keyword, rest, fail), user, where);
        } else if (keyword == "user") {
            const std::string_view who = trim(rest);
            if (who.empty()) fail("missing username after \"user\"");
            user = std::string(who);
        } else {
            fail("invalid line (expected topic, pattern, user or a # comment)");
        }
    }
    return acl;
}

std::size_t AclFile::rule_count() const noexcept {
    std::size_t n = patterns_.size() + (anonymous_ ? anonymous_->size() : 0);
    for (const auto& [_, list] : users_)
        n += list.size();
    return n;
}

// ---- checks ----

const AclFile::RuleList* AclFile::rules_for(std::optional<std::string_view> username) const {
    if (!username) return anonymous_ ? &*anonymous_ : nullptr;
    const auto it = users_.find(*username);
    return it == users_.end() ? nullptr : &it->second;
}

bool AclFile::patterns_usable(std::optional<std::string_view> username, std::string_view client_id) const {
    const std::string_view bad = options_.refuse_slash_in_substitution ? "+#/" : "+#";
    if (username && username->find_first_of(bad) != std::string_view::npos) return false;
    if (client_id.find_first_of(bad) != std::string_view::npos) return false;
    return true;
}

bool AclFile::allowed(std::optional<std::string_view> username, std::string_view client_id,
                      std::string_view topic, Access access) const {
    if (topic.empty()) return false;
    const unsigned want = static_cast<unsigned>(access);

    if (access == Access::Subscribe) {
        if (options_.subscribe_check == SubscribeCheck::Mosquitto) return true;
        const auto filter = unshare(topic);
        if (!filter || !acl_valid_filter(*filter)) return false;
        return subscribe_strict(username, client_id, *filter);
    }

    // acl__check_dollar()
    if (topic.starts_with("$SYS")) {
        if (access == Access::Write && !acl_topic_matches("$SYS/broker/connection/+/state", topic))
            return false;
    } else if (topic.starts_with("$share")) {
        return false;
    }

    const RuleList* rules = rules_for(username);
    if (rules == nullptr && patterns_.empty()) return false;

    if (rules != nullptr) {
        for (const Rule& r : *rules) {
            if (topic.front() == '$' && r.topic.front() != '$') continue;
            if (!acl_topic_matches(r.topic, topic)) continue;
            if (r.access == 0) return false;
            if ((r.access & want) != 0) return true;
        }
    }

    if (patterns_.empty() || !patterns_usable(username, client_id)) return false;
    for (const Rule& r : patterns_) {
        if (r.has_u && !username) continue;
        const std::string local = substitute(r.topic, client_id, username);
        if (!acl_topic_matches(local, topic)) continue;
        if (r.access == 0) return false;
        if ((r.access & want) != 0) return true;
    }
    return false;
}

bool AclFile::subscribe_strict(std::optional<std::string_view> username, std::string_view client_id,
                               std::string_view filter) const {
    const RuleList* rules = rules_for(username);
    if (rules != nullptr) {
        for (const Rule& r : *rules) {
            if (r.access == 0 && acl_filter_covers(r.topic, filter)) return false;
        }
        for (const Rule& r : *rules) {
            if ((r.access & kRead) != 0 && acl_filters_intersect(r.topic, filter)) return true;
        }
    }
    if (patterns_.empty() || !patterns_usable(username, client_id)) return false;
    std::vector<std::pair<std::string, unsigned>> local;
    for (const Rule& r : patterns_) {
        if (r.has_u && !username) continue;
        local.emplace_back(substitute(r.topic, client_id, username), r.access);
    }
    for (const auto& [topic, access] : local) {
        if (access == 0 && acl_filter_covers(topic, filter)) return false;
    }
    for (const auto& [topic, access] : local) {
        if ((access & kRead) != 0 && acl_filters_intersect(topic, filter)) return true;
    }
    return false;
}

}  // namespace tapmq::auth
