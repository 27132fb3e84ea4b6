// The subscription index: a trie of topic-filter levels that answers "who receives a message published
// to this topic name?" (the publish hot path). Internally synchronised: subscribe/unsubscribe take a
// reader/writer lock exclusively, match takes it shared, so any number of threads may match at once
// (detail::SharedMutex: std::shared_mutex semantics, but a waiting writer is not starved by readers).
//
// Filters are split on '/'; a '+' level and a '#' level have their own child slots, so matching a topic
// walks one exact-level hash lookup per level plus the '+' branches, and never allocates (other than
// appending to the caller's output vector).
//
// Shared subscriptions "$share/{group}/{filter}" live at the node of {filter}, grouped by group name:
// the group identity is (group name, filter). Each match delivers to exactly one member of every
// matching group, chosen round robin with a per-group atomic counter.
#pragma once

#include <atomic>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>
#if __has_include(<pthread.h>)
#include <pthread.h>
#endif

#include "mqtt/packets.hpp"
#include "mqtt/topic.hpp"

namespace tapmq::broker {

namespace detail {

// Hash for string-keyed maps that can be probed with a std::string_view (no temporary std::string).
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <typename T>
concept StdHashable = std::is_default_constructible_v<std::hash<T>> && requires(const T& t) {
    { std::hash<T>{}(t) } -> std::convertible_to<std::size_t>;
};

// A list of entries, each with a distinct subscriber. Iteration is over a contiguous vector (fast
// fan-out); lookup by subscriber is linear while the list is short and goes through a hash index once
// it grows (when the subscriber type is hashable), so 100k subscribers of one filter stay O(1) each.
template <typename Sub, typename Entry>
class EntryList {
  public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static constexpr std::size_t kIndexThreshold = 32;

    const std::vector<Entry>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }
    std::size_t size() const noexcept { return items_.size(); }

    std::size_t find(const Sub& s) const {
        if constexpr (StdHashable<Sub>) {
            if (index_) {
                auto it = index_->find(s);
                return it == index_->end() ? npos : it->second;
            }
        }
        for (std::size_t i = 0; i < items_.size(); ++i) {
            if (items_[i].subscriber == s) return i;
        }
        return npos;
    }

    // Adds or replaces; true when it replaced.
    bool upsert(const Entry& e) {
        std::size_t i = find(e.subscriber);
        if (i != npos) {
            items_[i] = e;
            return true;
        }
        items_.push_back(e);
        if constexpr (StdHashable<Sub>) {
            if (index_) {
                index_->emplace(e.subscriber, items_.size() - 1);
            } else if (items_.size() > kIndexThreshold) {
                build_index();
            }
        }
        return false;
    }

    // Removes the subscriber's entry (swap with the last one); true when it existed.
    bool erase(const Sub& s) {
        std::size_t i = find(s);
        if (i == npos) return false;
        const std::size_t last = items_.size() - 1;
        if constexpr (StdHashable<Sub>) {
            if (index_) {
                index_->erase(s);
                if (i != last) (*index_)[items_[last].subscriber] = i;
            }
        }
        if (i != last) items_[i] = std::move(items_[last]);
        items_.pop_back();
        if constexpr (StdHashable<Sub>) {
            if (index_ && items_.size() < kIndexThreshold / 2) index_.reset();
        }
        if (items_.empty()) items_.shrink_to_fit();
        return true;
    }

  private:
    void build_index() {
        if constexpr (StdHashable<Sub>) {
            index_ = std::make_unique<std::unordered_map<Sub, std::size_t>>();
            index_->reserve(items_.size() * 2);
            for (std::size_t i = 0; i < items_.size(); ++i)
                index_->emplace(items_[i].subscriber, i);
        }
    }

    struct NoIndex {};
    using Index =
        std::conditional_t<StdHashable<Sub>, std::unique_ptr<std::unordered_map<Sub, std::size_t>>, NoIndex>;

    std::vector<Entry> items_;
    [[no_unique_address]] Index index_{};
};

// A reader/writer lock that does not starve writers. std::shared_mutex on glibc is a pthread rwlock
// that prefers readers: with publishers matching on every thread, SUBSCRIBE could wait indefinitely.
// This one is a pthread rwlock set to prefer writers (readers queue behind a waiting writer), so a
// thread must never take it shared twice (the callbacks given to match/for_each must not call back
// into the tree). Elsewhere it is std::shared_mutex.
#if defined(__GLIBC__)
class SharedMutex {
  public:
    SharedMutex() noexcept {
        pthread_rwlockattr_t attr;
        pthread_rwlockattr_init(&attr);
        pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
        pthread_rwlock_init(&lock_, &attr);
        pthread_rwlockattr_destroy(&attr);
    }
    ~SharedMutex() { pthread_rwlock_destroy(&lock_); }
    SharedMutex(const SharedMutex&) = delete;
    SharedMutex& operator=(const SharedMutex&) = delete;

    void lock() noexcept { pthread_rwlock_wrlock(&lock_); }
    bool try_lock() noexcept { return pthread_rwlock_trywrlock(&lock_) == 0; }
    void unlock() noexcept { pthread_rwlock_unlock(&lock_); }
    void lock_shared() noexcept { pthread_rwlock_rdlock(&lock_); }
    bool try_lock_shared() noexcept { return pthread_rwlock_tryrdlock(&lock_) == 0; }
    void unlock_shared() noexcept { pthread_rwlock_unlock(&lock_); }

  private:
    pthread_rwlock_t lock_;
};
#else
using SharedMutex = std::shared_mutex;
#endif

// Iterates the '/'-separated levels of a topic name or filter; "a//b" has three levels, "" has one.
class LevelCursor {
  public:
    explicit LevelCursor(std::string_view s) noexcept : s_(s) {}
    bool done() const noexcept { return pos_ == std::string_view::npos; }
    // Precondition: !done().
    std::string_view next() noexcept {
        const std::size_t slash = s_.find('/', pos_);
        std::string_view level;
        if (slash == std::string_view::npos) {
            level = s_.substr(pos_);
            pos_ = std::string_view::npos;
        } else {
            level = s_.substr(pos_, slash - pos_);
            pos_ = slash + 1;
        }
        return level;
    }

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace detail

template <typename Sub>
class SubscriptionTree {
  public:
    struct Entry {
        Sub subscriber;
        mqtt::SubscriptionOptions options;
        std::uint32_t identifier = 0;  // MQTT 5 Subscription Identifier, 0 when none
        // The "$share/{group}/{filter}" a shared member subscribed with; null for a plain subscription.
        // Carried through match so a delivery knows its group (e.g. to move it to another member).
        std::shared_ptr<const std::string> share = nullptr;
    };

    SubscriptionTree() = default;
    SubscriptionTree(const SubscriptionTree&) = delete;
    SubscriptionTree& operator=(const SubscriptionTree&) = delete;
    ~SubscriptionTree() { destroy_children(root_); }

    // Adds, or replaces (same subscriber + same filter), a subscription. `filter` must be a valid
    // filter, plain or "$share/{group}/{filter}". Returns true when it replaced an existing one.
    bool subscribe(std::string_view filter, const Entry& e) {
        assert(mqtt::is_valid_topic_filter(filter));
        std::unique_lock lock(mutex_);
        return subscribe_locked(filter, e);
    }

    // Removes the subscriber's subscription to exactly that filter; true when one existed.
    bool unsubscribe(std::string_view filter, const Sub& s) {
        std::unique_lock lock(mutex_);
        return unsubscribe_locked(filter, s);
    }

    // Removes every subscription of `s` to the given filters (a range of things convertible to
    // std::string_view: the session's own list), under one lock. Returns how many were removed.
    template <typename Filters>
    std::size_t unsubscribe_all(const Sub& s, const Filters& filters) {
        std::unique_lock lock(mutex_);
        std::size_t removed = 0;
        for (const auto& f : filters) {
            if (unsubscribe_locked(std::string_view(f), s)) ++removed;
        }
        return removed;
    }

    // Appends to `out` every subscription matching the topic name: every matching non-shared
    // subscription (once per matching filter), and one member of every matching shared group, chosen
    // round robin among the members eligible(const Sub&) rates highest: 0 = not eligible, higher is
    // better, 3 = take at once (a bool works as 0/1); round robin among all of them when none is
    // eligible. `eligible` runs under the shared lock: it must not modify this tree.
    template <typename Eligible>
    void match(std::string_view topic, std::vector<Entry>& out, Eligible&& eligible) const {
        std::shared_lock lock(mutex_);
        const bool dollar = !topic.empty() && topic.front() == '$';
        FrameStack stack;
        stack.push({&root_, detail::LevelCursor(topic)});
        Frame f;
        while (stack.pop(f)) {
            const Node* n = f.node;
            detail::LevelCursor cur = f.cursor;
            // Only the root's wildcard children are subject to the '$' rule.
            bool wildcards = !(dollar && n == &root_);
            while (true) {
                if (wildcards && n->hash) emit(*n->hash, out, eligible);  // "a/#" also matches "a"
                if (cur.done()) {
                    emit(*n, out, eligible);
                    break;
                }
                const std::string_view level = cur.next();
                if (wildcards && n->plus) stack.push({n->plus.get(), cur});
                const Node* child = n->find_child(level);
                if (child == nullptr) break;
                n = child;
                wildcards = true;
            }
        }
    }

    void match(std::string_view topic, std::vector<Entry>& out) const {
        match(topic, out, [](const Sub&) noexcept { return true; });
    }

    // Number of subscriptions (each shared group member counts one).
    std::size_t size() const {
        std::shared_lock lock(mutex_);
        return size_;
    }

    // Number of trie nodes besides the root (0 when empty): for tests of pruning.
    std::size_t node_count() const {
        std::shared_lock lock(mutex_);
        return nodes_;
    }

    // Members of the shared group (group, filter), e.g. to redistribute a departed member's messages.
    std::vector<Sub> shared_members(std::string_view group, std::string_view filter) const {
        std::shared_lock lock(mutex_);
        std::vector<Sub> members;
        const Node* n = find_node(filter);
        if (n == nullptr) return members;
        if (const SharedGroup* g = n->find_group(group)) {
            members.reserve(g->members.size());
            for (const Entry& e : g->members.items())
                members.push_back(e.subscriber);
        }
        return members;
    }

  private:
    using List = detail::EntryList<Sub, Entry>;

    struct SharedGroup {
        explicit SharedGroup(std::string_view n) : name(n) {}
        std::string name;
        List members;
        mutable std::atomic<std::uint64_t> next{0};
    };

    struct Node {
        std::unordered_map<std::string, std::unique_ptr<Node>, detail::StringHash, std::equal_to<>> children;
        std::unique_ptr<Node> plus;  // the '+' level
        std::unique_ptr<Node> hash;  // the '#' level (always a leaf)
        List subs;
        std::vector<std::unique_ptr<SharedGroup>> groups;

        Node* find_child(std::string_view level) const {
            if (children.empty()) return nullptr;
            auto it = children.find(level);
            return it == children.end() ? nullptr : it->second.get();
        }
        SharedGroup* find_group(std::string_view name) const {
            for (const auto& g : groups) {
                if (g->name == name) return g.get();
            }
            return nullptr;
        }
        bool empty() const noexcept {
            return children.empty() && !plus && !hash && subs.empty() && groups.empty();
        }
    };

    struct Frame {
        const Node* node = nullptr;
        detail::LevelCursor cursor{std::string_view{}};
    };

    // The pending '+' branches of a match: on the stack, spilling to the heap only for filters with
    // more than kInline '+' levels pending at once.
    class FrameStack {
      public:
        void push(const Frame& f) {
            if (n_ < kInline) {
                inline_[n_++] = f;
            } else {
                spill_.push_back(f);
            }
        }
        bool pop(Frame& f) {
            if (!spill_.empty()) {
                f = spill_.back();
                spill_.pop_back();
                return true;
            }
            if (n_ == 0) return false;
            f = inline_[--n_];
            return true;
        }

      private:
        static constexpr std::size_t kInline = 32;
        Frame inline_[kInline];
        std::size_t n_ = 0;
        std::vector<Frame> spill_;
    };

    template <typename Eligible>
    static void emit(const Node& n, std::vector<Entry>& out, Eligible& eligible) {
        const auto& subs = n.subs.items();
        out.insert(out.end(), subs.begin(), subs.end());
        for (const auto& g : n.groups) {
            const auto& members = g->members.items();
            const std::size_t count = members.size();
            if (count == 0) continue;
            const std::size_t start =
                static_cast<std::size_t>(g->next.fetch_add(1, std::memory_order_relaxed) % count);
            std::size_t pick = start;
            std::size_t pick_steps = 0;
            int best = 0;
            std::size_t idx = start;
            for (std::size_t i = 0; i < count; ++i) {
                const int rating = static_cast<int>(eligible(std::as_const(members[idx].subscriber)));
                if (rating > best) {
                    best = rating;
                    pick = idx;
                    pick_steps = i;
                    if (rating >= 3) break;
                }
                if (++idx == count) idx = 0;
            }
            // Skip the counter past the members passed over, so the next call starts after the pick
            // and the chosen members share the load evenly.
            if (pick_steps != 0) g->next.fetch_add(pick_steps, std::memory_order_relaxed);
            out.push_back(members[pick]);
        }
    }

    // Where a subscription to `filter` lives, whether plain or shared.
    struct Target {
        std::string_view group;  // empty for a plain subscription
        std::string_view filter;
    };
    static Target target_of(std::string_view filter) noexcept {
        if (mqtt::is_shared_filter(filter)) {
            const auto sf = mqtt::split_shared_filter(filter);
            return {sf.group, sf.filter};
        }
        return {{}, filter};
    }

    const Node* find_node(std::string_view filter) const {
        const Node* n = &root_;
        detail::LevelCursor cur(filter);
        while (!cur.done()) {
            const std::string_view level = cur.next();
            if (level == "+") {
                n = n->plus.get();
            } else if (level == "#") {
                n = n->hash.get();
            } else {
                n = n->find_child(level);
            }
            if (n == nullptr) return nullptr;
        }
        return n;
    }

    bool subscribe_locked(std::string_view filter, const Entry& e) {
        const Target t = target_of(filter);
        Node* n = &root_;
        detail::LevelCursor cur(t.filter);
        while (!cur.done()) {
            const std::string_view level = cur.next();
            std::unique_ptr<Node>* slot;
            if (level == "+") {
                slot = &n->plus;
            } else if (level == "#") {
                slot = &n->hash;
            } else {
                auto it = n->children.find(level);
                if (it == n->children.end()) it = n->children.emplace(std::string(level), nullptr).first;
                slot = &it->second;
            }
            if (!*slot) {
                *slot = std::make_unique<Node>();
                ++nodes_;
            }
            n = slot->get();
        }
        bool replaced;
        if (t.group.empty()) {
            replaced = n->subs.upsert(e);
        } else {
            SharedGroup* g = n->find_group(t.group);
            if (g == nullptr) {
                n->groups.push_back(std::make_unique<SharedGroup>(t.group));
                g = n->groups.back().get();
            }
            replaced = g->members.upsert(e);
        }
        if (!replaced) ++size_;
        return replaced;
    }

    bool unsubscribe_locked(std::string_view filter, const Sub& s) {
        if (!mqtt::is_valid_topic_filter(filter)) return false;
        const Target t = target_of(filter);
        struct Step {
            Node* parent;
            std::string_view level;
        };
        std::vector<Step> path;
        Node* n = &root_;
        detail::LevelCursor cur(t.filter);
        while (!cur.done()) {
            const std::string_view level = cur.next();
            Node* child;
            if (level == "+") {
                child = n->plus.get();
            } else if (level == "#") {
                child = n->hash.get();
            } else {
                child = n->find_child(level);
            }
            if (child == nullptr) return false;
            path.push_back({n, level});
            n = child;
        }
        if (t.group.empty()) {
            if (!n->subs.erase(s)) return false;
        } else {
            auto it = n->groups.begin();
            while (it != n->groups.end() && (*it)->name != t.group)
                ++it;
            if (it == n->groups.end() || !(*it)->members.erase(s)) return false;
            if ((*it)->members.empty()) n->groups.erase(it);
        }
        --size_;
        // Prune the nodes left empty, deepest first.
        for (auto step = path.rbegin(); step != path.rend() && n->empty(); ++step) {
            Node* parent = step->parent;
            if (step->level == "+") {
                parent->plus.reset();
            } else if (step->level == "#") {
                parent->hash.reset();
            } else {
                parent->children.erase(parent->children.find(step->level));
            }
            --nodes_;
            n = parent;
        }
        return true;
    }

    // Tears the trie down without recursion (a filter may have tens of thousands of levels).
    static void destroy_children(Node& root) {
        std::vector<std::unique_ptr<Node>> work;
        auto take = [&work](Node& n) {
            for (auto& [level, child] : n.children)
                work.push_back(std::move(child));
            n.children.clear();
            if (n.plus) work.push_back(std::move(n.plus));
            if (n.hash) work.push_back(std::move(n.hash));
        };
        take(root);
        while (!work.empty()) {
            std::unique_ptr<Node> n = std::move(work.back());
            work.pop_back();
            take(*n);
        }
    }

    mutable detail::SharedMutex mutex_;
    Node root_;
    std::size_t size_ = 0;
    std::size_t nodes_ = 0;
};

}  // namespace tapmq::broker
