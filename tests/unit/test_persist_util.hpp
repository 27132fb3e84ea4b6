// Helpers shared by the tapmq_persist tests: temporary directories and a Visitor that collects everything.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "persist/store.hpp"

namespace tapmq::persist::testing {

// A fresh directory under the test temp dir, removed (with any .corrupt-* siblings) at the end.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        base_ = std::filesystem::path(::testing::TempDir()) /
                ("tapmq_persist_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                 std::to_string(rd()));
        std::filesystem::create_directories(base_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(base_, ec);
    }
    const std::filesystem::path& base() const { return base_; }
    std::filesystem::path store() const { return base_ / "store"; }

  private:
    std::filesystem::path base_;
};

struct Collected : Store::Visitor {
    std::vector<std::string> order;  // kinds in the order visited
    std::map<std::uint64_t, StoredMessage> messages;
    std::map<std::string, StoredMessage> retained_by_topic;
    std::map<std::string, StoredSession> sessions;
    std::map<std::pair<std::string, std::string>, std::pair<std::uint8_t, std::uint32_t>> subscriptions;
    std::vector<std::tuple<std::string, std::uint64_t, StoredOutgoing>> outgoing_list;
    std::vector<std::pair<std::string, std::uint16_t>> qos2;
    std::map<std::string, StoredWill> wills;

    void note(const char* kind) {
        if (order.empty() || order.back() != kind) order.push_back(kind);
    }
    void message(StoredMessage&& m) override {
        note("message");
        messages[m.id] = std::move(m);
    }
    void retained(StoredMessage&& m) override {
        note("retained");
        retained_by_topic[m.topic] = std::move(m);
    }
    void session(StoredSession&& s) override {
        note("session");
        sessions[s.client_id] = std::move(s);
    }
    void subscription(std::string_view c, std::string_view f, std::uint8_t o, std::uint32_t id) override {
        note("subscription");
        subscriptions[{std::string(c), std::string(f)}] = {o, id};
    }
    void outgoing(std::string_view c, std::uint64_t seq, StoredOutgoing&& o) override {
        note("outgoing");
        outgoing_list.emplace_back(std::string(c), seq, std::move(o));
    }
    void incoming_qos2(std::string_view c, std::uint16_t id) override {
        note("qos2");
        qos2.emplace_back(std::string(c), id);
    }
    void will(std::string_view c, StoredWill&& w) override {
        note("will");
        wills[std::string(c)] = std::move(w);
    }
    std::size_t total() const {
        return messages.size() + retained_by_topic.size() + sessions.size() + subscriptions.size() +
               outgoing_list.size() + qos2.size() + wills.size();
    }
};

inline Collected load_all(Store& s) {
    Collected c;
    s.load(c);
    return c;
}

inline StoredMessage make_message(std::uint64_t id, std::string topic = "a/b",
                                  std::string payload = "hello") {
    StoredMessage m;
    m.id = id;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    m.qos = 1;
    return m;
}

// Whether `needle` is in a write-ahead log file of the store in `dir` (in the OS's hands at least).
inline bool payload_in_logs(const std::filesystem::path& dir, const std::string& needle) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".log") continue;
        std::ifstream in(e.path(), std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (data.find(needle) != std::string::npos) return true;
    }
    return false;
}

}  // namespace tapmq::persist::testing
