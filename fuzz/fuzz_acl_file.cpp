// libFuzzer target for the Mosquitto ACL-file reader and its decisions (src/auth/acl_file.cpp).
//
// Input: arbitrary bytes, parsed as the text of an acl_file named "fuzz.acl". AclFileError is how
// input is refused; any other exception, a sanitizer report or a failed CHECK is a finding. For
// accepted files, every word of the input is also used as a topic and an identity, and checked:
//  - SubscribeCheck::Mosquitto grants every non-empty filter;
//  - SubscribeCheck::Strict never refuses a filter through which a readable message would be
//    delivered: Read on topic T  =>  Subscribe on T and on every "prefix/#" of T;
//  - writing to $SYS is only ever allowed for $SYS/broker/connection/+/state, $share never;
//  - for topic names, the filter algebra agrees with matching.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/acl_file.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tapmq::auth;

constexpr std::string_view kName = "fuzz.acl";

// Space- and newline-separated words of the input, at most `limit` of them.
std::vector<std::string_view> words(std::string_view text, std::size_t limit) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size() && out.size() < limit) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r'))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\r')
            ++i;
        if (i > start) out.push_back(text.substr(start, i - start));
    }
    return out;
}

void check_topic(const AclFile& mosq, const AclFile& strict, std::optional<std::string_view> user,
                 std::string_view id, std::string_view topic) {
    const bool is_name = acl_valid_filter(topic) && topic.find_first_of("+#") == std::string_view::npos;
    CHECK(mosq.allowed(user, id, topic, Access::Subscribe) == !topic.empty());
    const bool read = mosq.allowed(user, id, topic, Access::Read);
    const bool write = mosq.allowed(user, id, topic, Access::Write);
    CHECK(read == strict.allowed(user, id, topic, Access::Read));
    CHECK(write == strict.allowed(user, id, topic, Access::Write));
    if (write && topic.starts_with("$SYS")) {
        CHECK(acl_topic_matches("$SYS/broker/connection/+/state", topic));
    }
    if (topic.starts_with("$share")) CHECK(!read && !write);
    if (read && is_name && !topic.starts_with("$share/")) {
        CHECK(strict.allowed(user, id, topic, Access::Subscribe));
        for (std::size_t p = topic.find('/'); p != std::string_view::npos; p = topic.find('/', p + 1)) {
            const std::string parent = std::string(topic.substr(0, p)) + "/#";
            if (parent.starts_with("$share/")) continue;
            CHECK(strict.allowed(user, id, parent, Access::Subscribe));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    AclFile mosq;
    try {
        mosq = AclFile::parse(text, kName);
    } catch (const AclFileError& e) {
        CHECK(e.file() == kName);
        CHECK(e.line() >= 1);
        return 0;
    }
    for (const auto& w : mosq.warnings())
        CHECK(std::string_view(w).starts_with(std::string(kName) + ":"));
    AclFile::Options o;
    o.subscribe_check = AclFile::SubscribeCheck::Strict;
    const AclFile strict = AclFile::parse(text, kName, o);  // same text: must parse again
    CHECK(strict.rule_count() == mosq.rule_count());

    const auto ws = words(text, 24);
    std::vector<std::optional<std::string_view>> users = {std::nullopt, std::string_view("")};
    std::vector<std::string_view> ids = {"c"};
    for (std::size_t i = 0; i < ws.size() && i < 4; ++i) {
        users.emplace_back(ws[i]);
        ids.push_back(ws[i]);
    }
    for (const auto& topic : ws) {
        for (const auto& user : users) {
            for (const auto& id : ids)
                check_topic(mosq, strict, user, id, topic);
        }
        for (const auto& other : ws) {
            const bool name = acl_valid_filter(other) && other.find_first_of("+#") == std::string_view::npos;
            if (!name) continue;
            const bool m = acl_topic_matches(topic, other);
            CHECK(acl_filters_intersect(topic, other) == m);
            CHECK(acl_filter_covers(topic, other) == m);
        }
    }
    return 0;
}
