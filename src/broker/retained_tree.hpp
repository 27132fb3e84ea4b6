// Retained messages by topic name, in a trie of topic levels, so that a new subscription finds the
// retained messages its filter matches without scanning every topic. Internally synchronised with a
// reader/writer lock (detail::SharedMutex: readers share it, writers take it exclusively and are not
// starved by a stream of readers).
//
// Levels are split on '/', empty levels included: "a//b" has three levels, "/a" has "" then "a".
// Nodes left empty by erase/erase_if are pruned. Every walk is iterative (a topic may have tens of
// thousands of levels), including the destructor.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/subscription_tree.hpp"  // detail::StringHash, detail::LevelCursor, detail::SharedMutex

namespace tapmq::broker {

template <typename V>
class RetainedTree {
  public:
    RetainedTree() = default;
    RetainedTree(const RetainedTree&) = delete;
    RetainedTree& operator=(const RetainedTree&) = delete;
    ~RetainedTree() { destroy_children(root_); }

    // Stores v as the retained value of the topic (replacing any), with its size in bytes. Returns true
    // when the topic had no retained value before (a new entry rather than a replacement).
    bool set(std::string_view topic, V v, std::size_t bytes) {
        std::unique_lock lock(mutex_);
        return set_locked(topic, std::move(v), bytes);
    }

    // As set(), unless the tree would then hold more than max_count values or max_bytes bytes (0: no
    // limit) on topics not starting with '$': then nothing changes and the result is nullopt.
    // Replacing a topic's value counts the new size instead of the old one, so a replacement that fits
    // is always taken. Values on '$' topics (the broker's own) are not counted against the limits.
    std::optional<bool> set_within(std::string_view topic, V v, std::size_t bytes, std::uint64_t max_count,
                                   std::uint64_t max_bytes) {
        std::unique_lock lock(mutex_);
        if (!topic.empty() && topic.front() == '$') return set_locked(topic, std::move(v), bytes);
        const Node* n = &root_;
        detail::LevelCursor cur(topic);
        while (n != nullptr && !cur.done())
            n = n->find_child(cur.next());
        const bool exists = n != nullptr && n->value;
        const std::uint64_t count = size_ - dollar_size_ + (exists ? 0 : 1);
        const std::uint64_t total = bytes_ - dollar_bytes_ - (exists ? n->bytes : 0) + bytes;
        if ((max_count != 0 && count > max_count) || (max_bytes != 0 && total > max_bytes))
            return std::nullopt;
        return set_locked(topic, std::move(v), bytes);
    }

    // Removes the topic's retained value; true when there was one.
    bool erase(std::string_view topic) {
        std::unique_lock lock(mutex_);
        struct Step {
            Node* parent;
            std::string_view level;
        };
        std::vector<Step> path;
        Node* n = &root_;
        detail::LevelCursor cur(topic);
        while (!cur.done()) {
            const std::string_view level = cur.next();
            Node* child = n->find_child(level);
            if (child == nullptr) return false;
            path.push_back({n, level});
            n = child;
        }
        if (!n->value) return false;
        drop_value(*n);
        for (auto step = path.rbegin(); step != path.rend() && n->empty(); ++step) {
            Node* parent = step->parent;
            parent->children.erase(parent->children.find(step->level));
            --nodes_;
            n = parent;
        }
        return true;
    }

    // Appends every retained value whose topic matches the (plain, valid) filter. '#' matches the
    // parent level too ("a/#" matches "a"); a first level '+' or '#' skips topics starting with '$'.
    void match(std::string_view filter, std::vector<V>& out) const {
        std::shared_lock lock(mutex_);
        struct Frame {
            const Node* node;
            detail::LevelCursor cursor;
        };
        std::vector<Frame> stack;
        std::vector<const Node*> subtree;
        stack.push_back({&root_, detail::LevelCursor(filter)});
        while (!stack.empty()) {
            Frame f = stack.back();
            stack.pop_back();
            const Node* n = f.node;
            if (f.cursor.done()) {
                if (n->value) out.push_back(*n->value);
                continue;
            }
            const bool at_root = n == &root_;
            const std::string_view level = f.cursor.next();
            if (level == "#") {
                // This node (parent level) and all of its descendants.
                if (n->value) out.push_back(*n->value);
                for (const auto& [key, child] : n->children) {
                    if (at_root && is_dollar(key)) continue;
                    subtree.push_back(child.get());
                }
                while (!subtree.empty()) {
                    const Node* d = subtree.back();
                    subtree.pop_back();
                    if (d->value) out.push_back(*d->value);
                    for (const auto& [key, child] : d->children)
                        subtree.push_back(child.get());
                }
            } else if (level == "+") {
                for (const auto& [key, child] : n->children) {
                    if (at_root && is_dollar(key)) continue;
                    stack.push_back({child.get(), f.cursor});
                }
            } else if (const Node* child = n->find_child(level)) {
                stack.push_back({child, f.cursor});
            }
        }
    }

    std::optional<V> get(std::string_view topic) const {
        std::shared_lock lock(mutex_);
        const Node* n = &root_;
        detail::LevelCursor cur(topic);
        while (!cur.done()) {
            n = n->find_child(cur.next());
            if (n == nullptr) return std::nullopt;
        }
        return n->value;
    }

    // Calls f(std::string_view topic, const V&) for every retained value, under the shared lock (f must
    // not modify this tree). The topic view is valid during the call only.
    template <typename F>
    void for_each(F&& f) const {
        std::shared_lock lock(mutex_);
        struct Frame {
            const Node* node;
            std::string_view level;
            std::size_t parent_len;  // length of the parent's topic name in `name`
            bool top;                // a child of the root: no '/' before its level
        };
        std::string name;
        std::vector<Frame> stack;
        for (const auto& [key, child] : root_.children)
            stack.push_back({child.get(), key, 0, true});
        while (!stack.empty()) {
            const Frame fr = stack.back();
            stack.pop_back();
            // LIFO order: everything handled since the parent was pushed descends from it, so the first
            // parent_len characters of `name` still hold the parent's name.
            name.resize(fr.parent_len);
            if (!fr.top) name.push_back('/');
            name.append(fr.level);
            if (fr.node->value) f(std::string_view(name), std::as_const(*fr.node->value));
            for (const auto& [key, child] : fr.node->children) {
                stack.push_back({child.get(), key, name.size(), false});
            }
        }
    }

    // Removes the values for which pred(const V&) is true (e.g. expired messages), pruning the nodes
    // left empty. Returns how many were removed.
    template <typename Pred>
    std::size_t erase_if(Pred&& pred) {
        std::unique_lock lock(mutex_);
        struct Visit {
            Node* node;
            Node* parent;
            std::string_view level;  // views the parent's map key
        };
        std::vector<Visit> order;  // pre-order: parents before children
        for (auto& [key, child] : root_.children)
            order.push_back({child.get(), &root_, key});
        std::size_t removed = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            Node* n = order[i].node;
            if (n->value && pred(std::as_const(*n->value))) {
                drop_value(*n);
                ++removed;
            }
            for (auto& [key, child] : n->children)
                order.push_back({child.get(), n, key});
        }
        if (removed == 0) return 0;
        // Children before parents: a parent becomes empty once its last child is gone.
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
            if (!it->node->empty()) continue;
            it->parent->children.erase(it->parent->children.find(it->level));
            --nodes_;
        }
        return removed;
    }

    std::size_t size() const {
        std::shared_lock lock(mutex_);
        return size_;
    }
    std::size_t bytes() const {
        std::shared_lock lock(mutex_);
        return bytes_;
    }
    // Number of trie nodes besides the root (0 when empty): for tests of pruning.
    std::size_t node_count() const {
        std::shared_lock lock(mutex_);
        return nodes_;
    }

  private:
    bool set_locked(std::string_view topic, V v, std::size_t bytes) {
        Node* n = &root_;
        detail::LevelCursor cur(topic);
        while (!cur.done()) {
            const std::string_view level = cur.next();
            auto it = n->children.find(level);
            if (it == n->children.end()) {
                it = n->children.emplace(std::string(level), std::make_unique<Node>()).first;
                ++nodes_;
            }
            n = it->second.get();
        }
        const bool added = !n->value;
        if (added) {
            n->dollar = !topic.empty() && topic.front() == '$';
            ++size_;
            if (n->dollar) ++dollar_size_;
        } else {
            bytes_ -= n->bytes;
            if (n->dollar) dollar_bytes_ -= n->bytes;
        }
        n->value.emplace(std::move(v));
        n->bytes = bytes;
        bytes_ += bytes;
        if (n->dollar) dollar_bytes_ += bytes;
        return added;
    }

    struct Node {
        std::unordered_map<std::string, std::unique_ptr<Node>, detail::StringHash, std::equal_to<>> children;
        std::optional<V> value;
        std::size_t bytes = 0;
        bool dollar = false;  // the topic starts with '$'

        Node* find_child(std::string_view level) const {
            if (children.empty()) return nullptr;
            auto it = children.find(level);
            return it == children.end() ? nullptr : it->second.get();
        }
        bool empty() const noexcept { return !value && children.empty(); }
    };

    static bool is_dollar(std::string_view level) noexcept { return !level.empty() && level.front() == '$'; }

    void drop_value(Node& n) {
        n.value.reset();
        bytes_ -= n.bytes;
        --size_;
        if (n.dollar) {
            dollar_bytes_ -= n.bytes;
            --dollar_size_;
        }
        n.bytes = 0;
    }

    static void destroy_children(Node& root) {
        std::vector<std::unique_ptr<Node>> work;
        auto take = [&work](Node& n) {
            for (auto& [level, child] : n.children)
                work.push_back(std::move(child));
            n.children.clear();
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
    std::size_t bytes_ = 0;
    std::size_t dollar_size_ = 0;  // of size_ and bytes_: values on '$' topics
    std::size_t dollar_bytes_ = 0;
    std::size_t nodes_ = 0;
};

}  // namespace tapmq::broker
