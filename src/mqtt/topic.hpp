// Topic names, topic filters and shared subscriptions (spec 4.7 and 4.8.2).
#pragma once

#include <string_view>

namespace tapmq::mqtt {

// A topic name as PUBLISH carries it: at least one character, no '+' or '#'.
// (UTF-8 validity is checked where the string is decoded.)
bool is_valid_topic_name(std::string_view name) noexcept;

// A topic filter: at least one character; '+' fills a whole level; '#' fills the whole last level.
// A shared subscription "$share/{group}/{filter}" needs a non-empty group without '+' or '#' and a
// valid filter after it.
bool is_valid_topic_filter(std::string_view filter) noexcept;

bool has_wildcard(std::string_view filter) noexcept;

// True when `filter` starts with "$share/".
bool is_shared_filter(std::string_view filter) noexcept;

struct SharedFilter {
    std::string_view group;
    std::string_view filter;
};
// Splits "$share/{group}/{filter}". Precondition: is_shared_filter(f) && is_valid_topic_filter(f).
SharedFilter split_shared_filter(std::string_view filter) noexcept;

// Does `name` match `filter`? Names starting with '$' are not matched by a filter whose first level
// is '+' or '#' (spec 4.7.2). `filter` must not be a "$share/" filter (split it first).
bool topic_matches(std::string_view filter, std::string_view name) noexcept;

}  // namespace tapmq::mqtt
