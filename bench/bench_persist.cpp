// tapmq_persist group commit: batches per second with 1, 8 and 64 concurrent submitters, each submitting
// one batch (one ~100-byte message) and waiting for its `done` before the next, as a publisher waits for
// PUBACK. items_per_second = durable batches per second over all submitters.
//
// Arguments: durability (0 Fsync, 1 Os), commit (0: the store's explicit group commit on one writer thread;
// 1: one writer thread per submitter calling DB::Write, relying on RocksDB's own write grouping).
// The store lives in $TAPMQ_BENCH_DIR if set, else in the temp directory: put it on the disk you mean to
// measure (tmpfs makes fsync free).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "persist/store.hpp"

namespace {

using namespace tapmq::persist;
namespace fs = std::filesystem;

std::unique_ptr<Store> g_store;
fs::path g_dir;
Store::Stats g_start;
std::atomic<std::uint64_t> g_next_id{1};

fs::path bench_dir() {
    const char* env = std::getenv("TAPMQ_BENCH_DIR");
    fs::path base = env ? fs::path(env) : fs::temp_directory_path();
    return base / ("tapmq_bench_persist_" + std::to_string(::getpid()));
}

void BM_PersistSubmit(benchmark::State& state) {
    if (state.thread_index() == 0) {
        g_dir = bench_dir();
        fs::remove_all(g_dir);
        StoreOptions o;
        o.dir = g_dir;
        o.durability = state.range(0) == 0 ? Durability::Fsync : Durability::Os;
        o.bench_write_threads = state.range(1) == 0 ? 0u : static_cast<unsigned>(state.threads());
        g_store = Store::open(o);
        g_start = g_store->stats();
    }
    const std::string payload(100, 'p');
    std::atomic<bool> done{false};
    for (auto _ : state) {
        Batch b;
        StoredMessage m;
        m.id = g_next_id.fetch_add(1, std::memory_order_relaxed);
        m.topic = "bench/persist/topic";
        m.payload = payload;
        m.qos = 1;
        b.put_message(m);
        done.store(false, std::memory_order_relaxed);
        g_store->submit(std::move(b), [&done] {
            done.store(true, std::memory_order_release);
            done.notify_one();
        });
        done.wait(false, std::memory_order_acquire);
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0) {
        g_store->flush();
        auto st = g_store->stats();
        auto batches = static_cast<double>(st.batches - g_start.batches);
        auto writes = static_cast<double>(st.writes - g_start.writes);
        state.counters["batches_per_write"] = writes > 0 ? batches / writes : 0;
        g_store.reset();
        fs::remove_all(g_dir);
    }
}

void args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"os", "rocksdb_grouping"});
    b->UseRealTime();
    b->MinTime(1.0);
}

}  // namespace

BENCHMARK(BM_PersistSubmit)->Apply(args)->Args({0, 0})->Threads(1)->Threads(8)->Threads(64);
BENCHMARK(BM_PersistSubmit)->Apply(args)->Args({1, 0})->Threads(1)->Threads(8)->Threads(64);
BENCHMARK(BM_PersistSubmit)->Apply(args)->Args({0, 1})->Threads(8)->Threads(64);
BENCHMARK(BM_PersistSubmit)->Apply(args)->Args({1, 1})->Threads(8)->Threads(64);
