// Routing micro-benchmarks: SubscriptionTree::match (the publish hot path) and RetainedTree::match.
// Every iteration is one match of one topic, so the Time column reads as ns per publish routed;
// items_per_second counts matched subscriptions (deliveries).
//
//   build/release/bench/bench_routing --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "broker/retained_tree.hpp"
#include "broker/subscription_tree.hpp"

namespace {

using tapmq::broker::RetainedTree;
using tapmq::broker::SubscriptionTree;

struct Session {
    int id = 0;
};
using SessionPtr = std::shared_ptr<Session>;
using Tree = SubscriptionTree<SessionPtr>;

std::vector<SessionPtr> make_sessions(std::size_t n) {
    std::vector<SessionPtr> v;
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        v.push_back(std::make_shared<Session>(Session{static_cast<int>(i)}));
    return v;
}

// N devices, each subscribed to its own command topic plus a few wildcard subscribers: the typical IoT
// shape. A publish to one device's topic matches 1 exact + 3 wildcard subscriptions.
struct DeviceFleet {
    explicit DeviceFleet(std::size_t n) : sessions(make_sessions(n + 3)) {
        for (std::size_t i = 0; i < n; ++i) {
            tree.subscribe("devices/dev" + std::to_string(i) + "/cmd", {sessions[i], {}, 0});
        }
        tree.subscribe("devices/+/cmd", {sessions[n], {}, 0});
        tree.subscribe("devices/#", {sessions[n + 1], {}, 0});
        tree.subscribe("#", {sessions[n + 2], {}, 0});
        for (std::size_t i = 0; i < 64; ++i)
            topics.push_back("devices/dev" + std::to_string(i * n / 64) + "/cmd");
    }
    std::vector<SessionPtr> sessions;
    Tree tree;
    std::vector<std::string> topics;
};

void BM_MatchDeviceFleet(benchmark::State& state) {
    // Shared by the benchmark's threads: built by thread 0 before they all start the timed loop.
    static std::unique_ptr<DeviceFleet> fleet;
    const auto n = static_cast<std::size_t>(state.range(0));
    if (state.thread_index() == 0 && (!fleet || fleet->sessions.size() != n + 3)) {
        fleet = std::make_unique<DeviceFleet>(n);
    }
    std::vector<Tree::Entry> out;
    out.reserve(16);
    std::size_t i = 0;
    std::int64_t matched = 0;
    for (auto _ : state) {
        out.clear();
        fleet->tree.match(fleet->topics[i++ & 63], out);
        matched += static_cast<std::int64_t>(out.size());
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(matched);
}
BENCHMARK(BM_MatchDeviceFleet)->Arg(1000)->Arg(100000)->ThreadRange(1, 4)->UseRealTime();

// A topic that nobody subscribes to, in a large tree: the cost of routing to nowhere.
void BM_MatchNoSubscriber(benchmark::State& state) {
    DeviceFleet fleet(10000);
    Tree& tree = fleet.tree;
    tree.unsubscribe("#", fleet.sessions.back());
    std::vector<Tree::Entry> out;
    for (auto _ : state) {
        out.clear();
        tree.match("telemetry/dev42/temperature", out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_MatchNoSubscriber);

// Fan-out: N subscribers of one filter (a broadcast topic).
void BM_MatchFanOut(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    auto sessions = make_sessions(n);
    Tree tree;
    for (auto& s : sessions)
        tree.subscribe("broadcast/+", {s, {}, 0});
    std::vector<Tree::Entry> out;
    out.reserve(n);
    for (auto _ : state) {
        out.clear();
        tree.match("broadcast/news", out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_MatchFanOut)->Arg(10)->Arg(1000);

// Deep topics with '+' at several levels: the trie explores several branches.
void BM_MatchWildcardHeavy(benchmark::State& state) {
    auto sessions = make_sessions(64);
    Tree tree;
    const char* shapes[] = {"site/+/floor/+/room/+/temp", "site/s1/floor/+/room/+/+",
                            "site/+/+/+/room/r3/temp",    "site/s1/#",
                            "site/+/floor/f2/#",          "+/s1/floor/f2/room/r3/temp"};
    std::size_t k = 0;
    for (const char* f : shapes) {
        for (int i = 0; i < 4; ++i)
            tree.subscribe(f, {sessions[k++ % sessions.size()], {}, 0});
    }
    for (int i = 0; i < 1000; ++i) {
        tree.subscribe("site/s" + std::to_string(i) + "/floor/f1/room/r1/temp", {sessions[i % 64], {}, 0});
    }
    std::vector<Tree::Entry> out;
    for (auto _ : state) {
        out.clear();
        tree.match("site/s1/floor/f2/room/r3/temp", out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_MatchWildcardHeavy);

// A shared group of 8 members, with an eligibility check.
void BM_MatchSharedGroup(benchmark::State& state) {
    auto sessions = make_sessions(8);
    Tree tree;
    for (auto& s : sessions)
        tree.subscribe("$share/workers/jobs/+", {s, {}, 0});
    std::vector<Tree::Entry> out;
    for (auto _ : state) {
        out.clear();
        tree.match("jobs/j1", out, [](const SessionPtr& s) { return s->id % 2 == 0; });
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_MatchSharedGroup);

// SUBSCRIBE + UNSUBSCRIBE of a fresh 3-level filter in a tree of 100k subscriptions.
void BM_SubscribeUnsubscribe(benchmark::State& state) {
    DeviceFleet fleet(100000);
    auto s = std::make_shared<Session>();
    std::size_t i = 0;
    std::vector<std::string> filters;
    for (int k = 0; k < 1024; ++k)
        filters.push_back("clients/c" + std::to_string(k) + "/inbox");
    for (auto _ : state) {
        const std::string& f = filters[i++ & 1023];
        fleet.tree.subscribe(f, {s, {}, 0});
        fleet.tree.unsubscribe(f, s);
    }
}
BENCHMARK(BM_SubscribeUnsubscribe);

// Retained: a new subscription to "sensors/+/temp" among 100k retained topics (1000 of which match).
void BM_RetainedMatch(benchmark::State& state) {
    RetainedTree<std::shared_ptr<int>> tree;
    auto v = std::make_shared<int>(1);
    for (int i = 0; i < 1000; ++i) {
        for (const char* leaf : {"temp", "humidity"}) {
            tree.set("sensors/s" + std::to_string(i) + "/" + leaf, v, 16);
        }
        for (int j = 0; j < 49; ++j)
            tree.set("other/o" + std::to_string(i) + "/" + std::to_string(j), v, 16);
    }
    std::vector<std::shared_ptr<int>> out;
    for (auto _ : state) {
        out.clear();
        tree.match("sensors/+/temp", out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_RetainedMatch);

}  // namespace
