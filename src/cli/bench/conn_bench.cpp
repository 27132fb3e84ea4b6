// conn: open N connections at a given rate, hold them, and measure what they cost the broker
// (its RSS growth per connection, with --broker-pid).
#include <cstdio>
#include <thread>

#include "client/client.hpp"
#include "exit_codes.hpp"
#include "live_reporter.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "run_context.hpp"
#include "scenarios.hpp"
#include "totals.hpp"
#include "worker.hpp"

namespace tapmq::cli::bench {
namespace {

using namespace std::chrono_literals;

class ConnRun {
  public:
    explicit ConnRun(const BenchOptions& o) : o_(o), ctx_(o) {
        for (unsigned i = 0; i < o.threads; ++i)
            workers_.push_back(std::make_unique<Worker>(i));
        clients_.resize(o.threads);
        cursor_.assign(o.threads, 0);
    }

    int run() {
        for (auto& w : workers_)
            w->start();
        if (o_.broker_pid > 0) result_.rss_before_kb = process_rss_kb(o_.broker_pid);
        const CpuTimes cpu0 = self_cpu();
        const std::int64_t t0 = now_ns();
        std::optional<double> broker0;
        if (o_.broker_pid > 0) broker0 = process_cpu_seconds(o_.broker_pid);

        const std::int64_t start = t0 + 10'000'000;
        ctx_.set_timeline(start, start, INT64_MAX);
        for (auto& w : workers_) {
            w->post(
                [this, w = w.get()] { w->start_ticker([this, w](std::int64_t now) { open_due(*w, now); }); });
        }
        const unsigned n = o_.conns;
        const auto limit = std::chrono::milliseconds(static_cast<long>(1000.0 * n / o_.conn_rate)) +
                           std::chrono::seconds(o_.connect_timeout);
        const auto begin = std::chrono::steady_clock::now();
        auto next_line = begin + 1s;
        while (ctx_.ready.load() + ctx_.failed.load() < n &&
               std::chrono::steady_clock::now() - begin < limit) {
            if (std::chrono::steady_clock::now() >= next_line) {
                line("connect");
                next_line += 1s;
            }
            std::this_thread::sleep_for(2ms);
        }
        for (auto& w : workers_)
            w->stop_ticker();
        result_.connect_s = static_cast<double>(now_ns() - start) / 1e9;
        result_.connected = ctx_.ready.load();
        result_.failed = n - result_.connected;

        // Let the broker settle, then read its memory; hold the connections for --duration.
        std::this_thread::sleep_for(1s);
        if (o_.broker_pid > 0) result_.rss_after_kb = process_rss_kb(o_.broker_pid);
        line("settled");
        const auto hold_start = std::chrono::steady_clock::now();
        const auto hold = std::chrono::milliseconds(static_cast<long>(o_.duration * 1000));
        while (std::chrono::steady_clock::now() - hold_start < hold) {
            std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
                1s, hold - (std::chrono::steady_clock::now() - hold_start)));
            line("hold");
        }
        result_.held_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - hold_start).count();

        const CpuTimes cpu1 = self_cpu();
        result_.cpu.self = CpuTimes{cpu1.user - cpu0.user, cpu1.sys - cpu0.sys};
        result_.cpu.wall_s = static_cast<double>(now_ns() - t0) / 1e9;
        result_.cpu.threads = o_.threads;
        if (broker0) {
            if (auto b1 = process_cpu_seconds(o_.broker_pid)) result_.cpu.broker_cpu_s = *b1 - *broker0;
            result_.cpu.broker_rss_kb = result_.rss_after_kb;
        }
        stop_all();

        auto t = collect(workers_);
        result_.run_id = ctx_.run_id();
        result_.requested = n;
        result_.connack_latency = t->latency_all;
        print_summary(o_, result_);
        print_json(o_, result_);
        return result_.failed == 0 ? kExitOk : kExitFailure;
    }

  private:
    // Worker thread: opens this worker's share of the connections that are due by now.
    void open_due(Worker& w, std::int64_t now) {
        const double elapsed = static_cast<double>(now - ctx_.start_ns()) / 1e9;
        if (elapsed < 0) return;
        const auto due =
            std::min<std::uint64_t>(o_.conns, static_cast<std::uint64_t>(elapsed * o_.conn_rate) + 1);
        const unsigned t = o_.threads;
        std::size_t& cursor = cursor_[w.index()];
        for (;;) {
            const std::uint64_t i = cursor * t + w.index();  // global index of this worker's next client
            if (i >= due) break;
            open(w, static_cast<unsigned>(i));
            ++cursor;
        }
    }

    void open(Worker& w, unsigned i) {
        auto c = client::Client::create(w.io());
        clients_[w.index()].push_back(c);
        client::ConnectOptions co;
        co.host = o_.host;
        co.port = o_.port;
        co.version = ctx_.version();
        co.client_id = "tapmq-bench-" + ctx_.run_id() + "-c" + std::to_string(i);
        co.keep_alive = o_.keep_alive;
        co.username = o_.username;
        co.password = o_.password;
        co.connect_timeout = std::chrono::seconds(o_.connect_timeout);
        co.read_buffer_size = 512;
        co.max_read_buffer_size = 16 * 1024;
        WorkerStats& stats = w.stats();
        c->on_close([this, &stats, i](const client::Error& e) {
            if (ctx_.stopping()) {
                ctx_.closed.fetch_add(1);
                return;
            }
            stats.errors.add();
            ctx_.error("connection " + std::to_string(i) + " lost: " + e.message);
        });
        const std::int64_t started = now_ns();
        c->connect(co, [this, &stats, i, started](const client::Error& e, const mqtt::Connack*) {
            if (ctx_.stopping()) {
                ctx_.closed.fetch_add(1);
                return;
            }
            if (e) {
                ctx_.fail("connection " + std::to_string(i) + ": " + e.message);
                return;
            }
            stats.connects.add();
            stats.latency_all.record(static_cast<std::uint64_t>(now_ns() - started));
            ctx_.ready.fetch_add(1);
        });
    }

    void line(const char* phase) {
        if (o_.quiet) return;
        std::string rss;
        if (o_.broker_pid > 0) {
            if (auto kb = process_rss_kb(o_.broker_pid)) rss = "  broker RSS " + std::to_string(*kb) + " KiB";
        }
        std::fprintf(stderr, "[%-8s] connected %u/%u  failed %u%s\n", phase, ctx_.ready.load(), o_.conns,
                     ctx_.failed.load(), rss.c_str());
    }

    void stop_all() {
        ctx_.set_stopping();
        unsigned total = 0;
        for (auto& w : workers_) {
            total += static_cast<unsigned>(clients_[w->index()].size());
            w->post([this, w = w.get()] {
                for (auto& c : clients_[w->index()]) {
                    if (c->closed()) {
                        ctx_.closed.fetch_add(1);
                    } else {
                        c->disconnect();
                    }
                }
            });
        }
        const auto begin = std::chrono::steady_clock::now();
        while (ctx_.closed.load() < total && std::chrono::steady_clock::now() - begin < 10s) {
            std::this_thread::sleep_for(5ms);
        }
        for (auto& w : workers_)
            w->finish(2s);
    }

    const BenchOptions& o_;
    RunContext ctx_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::vector<std::shared_ptr<client::Client>>> clients_;  // per worker, its thread only
    std::vector<std::size_t> cursor_;                                    // per worker, its thread only
    ConnResult result_;
};

}  // namespace

int run_conn(const BenchOptions& o) {
    ConnRun run(o);
    return run.run();
}

}  // namespace tapmq::cli::bench
