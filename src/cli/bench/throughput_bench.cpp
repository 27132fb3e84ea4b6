// p2p, fanout and fanin: connect the subscribers, then the publishers; publish through the warm-up
// and the measured window; wait for what is in flight; disconnect; report.
#include <cstdio>
#include <functional>
#include <thread>

#include "exit_codes.hpp"
#include "live_reporter.hpp"
#include "publisher.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "subscriber.hpp"
#include "topology.hpp"

namespace tapmq::cli::bench {
namespace {

using namespace std::chrono_literals;

// Waits until `done()` or `timeout`, printing a progress line every second; false on timeout.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                const std::function<void()>& every_second = {}) {
    const auto start = std::chrono::steady_clock::now();
    auto next_print = start + 1s;
    while (!done()) {
        const auto now = std::chrono::steady_clock::now();
        if (now - start >= timeout) return false;
        if (every_second && now >= next_print) {
            every_second();
            next_print += 1s;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class ThroughputRun {
  public:
    explicit ThroughputRun(const BenchOptions& o)
        : o_(o), ctx_(o), topology_(make_topology(o, ctx_.run_id())) {
        for (unsigned i = 0; i < o.threads; ++i)
            workers_.push_back(std::make_unique<Worker>(i));
        for (std::uint32_t i = 0; i < topology_.publisher_topics.size(); ++i) {
            publishers_.push_back(std::make_unique<Publisher>(ctx_, *workers_[i % o.threads], i,
                                                              topology_.publisher_topics[i],
                                                              topology_.deliveries_per_message));
        }
        if (topology_.shared) group_trackers_ = std::vector<SharedSequenceTracker>(publishers_.size());
        for (std::uint32_t i = 0; i < topology_.subscriber_filters.size(); ++i) {
            // Offset by one so that with several threads a p2p pair spans two of them.
            subscribers_.push_back(std::make_unique<Subscriber>(
                ctx_, *workers_[(i + 1) % o.threads], i, topology_.subscriber_filters[i], publishers_,
                topology_.shared ? &group_trackers_ : nullptr));
        }
    }

    int run() {
        for (auto& w : workers_)
            w->start();
        if (!connect_all()) {
            stop_all();
            std::fprintf(stderr, "tapmq bench: could not set up the clients: %s\n",
                         ctx_.first_error().c_str());
            return kExitFailure;
        }
        publish_and_measure();
        drain();
        stop_all();
        report();
        return kExitOk;
    }

  private:
    bool connect_all() {
        const auto timeout = std::chrono::seconds(o_.connect_timeout);
        const unsigned subs = static_cast<unsigned>(subscribers_.size());
        const unsigned all = subs + static_cast<unsigned>(publishers_.size());
        for (auto& s : subscribers_)
            s->worker().post([&s] { s->connect(); });
        if (!wait_until([&] { return ctx_.ready.load() >= subs || ctx_.failed.load() > 0; }, timeout,
                        [&] { progress("subscribers", ctx_.ready.load(), subs); }) ||
            ctx_.failed.load() > 0) {
            if (ctx_.failed.load() == 0) ctx_.fail("subscribers not ready in time");
            return false;
        }
        for (auto& p : publishers_)
            p->worker().post([&p] { p->connect(); });
        if (!wait_until([&] { return ctx_.ready.load() >= all || ctx_.failed.load() > 0; }, timeout,
                        [&] { progress("publishers", ctx_.ready.load() - subs, all - subs); }) ||
            ctx_.failed.load() > 0) {
            if (ctx_.failed.load() == 0) ctx_.fail("publishers not ready in time");
            return false;
        }
        return true;
    }

    void progress(const char* what, unsigned ready, unsigned total) const {
        if (!o_.quiet) std::fprintf(stderr, "connecting %s: %u/%u\n", what, ready, total);
    }

    void publish_and_measure() {
        const std::int64_t start = now_ns() + 20'000'000;
        const auto warmup = static_cast<std::int64_t>(o_.warmup * 1e9);
        const auto duration = static_cast<std::int64_t>(o_.duration * 1e9);
        ctx_.set_timeline(start, start + warmup, start + warmup + duration);
        ctx_.set_publishing(true);
        reporter_ = std::make_unique<LiveReporter>(ctx_, workers_);

        for (auto& w : workers_) {
            std::vector<Publisher*> mine;
            for (auto& p : publishers_) {
                if (&p->worker() == w.get()) mine.push_back(p.get());
            }
            w->post([w = w.get(), mine] {
                for (auto* p : mine)
                    p->begin();
                w->start_ticker([mine](std::int64_t now) {
                    for (auto* p : mine)
                        p->tick(now);
                });
            });
        }

        bool measuring = false;
        std::int64_t next_line = start + 1'000'000'000;
        for (;;) {
            const std::int64_t now = now_ns();
            if (!measuring && now >= ctx_.measure_start_ns()) {
                measuring = true;
                cpu0_ = self_cpu();
                wall0_ = now;
                if (o_.broker_pid > 0) broker_cpu0_ = process_cpu_seconds(o_.broker_pid);
            }
            if (now >= ctx_.measure_end_ns()) break;
            if (now >= next_line) {
                // Named after the interval's middle: the line covers the second before it.
                reporter_->line(now - 500'000'000 < ctx_.measure_start_ns() ? "warmup" : "measure");
                next_line += 1'000'000'000;
            }
            std::int64_t wake = std::min(next_line, ctx_.measure_end_ns());
            if (!measuring) wake = std::min(wake, ctx_.measure_start_ns());
            std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<std::int64_t>(wake - now_ns(), 0)));
        }
        ctx_.set_publishing(false);
        const std::int64_t end = now_ns();
        cpu_.self.user = self_cpu().user - cpu0_.user;
        cpu_.self.sys = self_cpu().sys - cpu0_.sys;
        cpu_.wall_s = static_cast<double>(end - wall0_) / 1e9;
        cpu_.threads = o_.threads;
        if (o_.broker_pid > 0) {
            auto c1 = process_cpu_seconds(o_.broker_pid);
            if (c1 && broker_cpu0_) cpu_.broker_cpu_s = *c1 - *broker_cpu0_;
            cpu_.broker_rss_kb = process_rss_kb(o_.broker_pid);
        }
        reporter_->line("measure");
    }

    std::uint64_t expected() const {
        std::uint64_t n = 0;
        for (const auto& p : publishers_)
            n += p->published() * p->deliveries_per_message();
        return n;
    }

    void drain() {
        for (auto& w : workers_)
            w->stop_ticker();
        // Acks and deliveries still in flight: wait until every expected delivery arrived, or nothing
        // moved for two seconds, or the drain limit.
        const auto limit = std::chrono::milliseconds(static_cast<long>(o_.drain * 1000));
        std::uint64_t last = 0;
        auto last_change = std::chrono::steady_clock::now();
        drained_ = wait_until(
            [&] {
                auto t = collect(workers_);
                const std::uint64_t unique = t->received - t->duplicated;
                if (unique >= expected() && t->acked >= acks_expected()) return true;
                if (t->received != last) {
                    last = t->received;
                    last_change = std::chrono::steady_clock::now();
                }
                return std::chrono::steady_clock::now() - last_change > 2s;
            },
            limit, [&] { reporter_->line("drain"); });
        auto t = collect(workers_);
        drained_ = drained_ && t->received - t->duplicated >= expected();
    }

    std::uint64_t acks_expected() const {
        if (o_.qos == 0) return 0;
        std::uint64_t n = 0;
        for (const auto& p : publishers_)
            n += p->published();
        return n;
    }

    void stop_all() {
        ctx_.set_stopping();
        for (auto& p : publishers_)
            p->worker().post([&p] { p->stop(); });
        for (auto& s : subscribers_)
            s->worker().post([&s] { s->stop(); });
        const unsigned all = static_cast<unsigned>(publishers_.size() + subscribers_.size());
        wait_until([&] { return ctx_.closed.load() >= all; }, 5s);
        for (auto& w : workers_)
            w->finish(2s);
    }

    void report() {
        auto t = collect(workers_);
        ThroughputResult r;
        r.run_id = ctx_.run_id();
        r.measured_s = o_.duration;
        r.published = 0;
        for (const auto& p : publishers_)
            r.published += p->published();
        r.sent_measured = t->sent_measured;
        r.received = t->received;
        r.received_measured = t->received_measured;
        r.expected = expected();
        // Shared group members record into one tracker per publisher, so duplicates across members
        // are counted as such and a loss cannot hide behind a duplicate.
        const std::uint64_t unique = t->received - t->duplicated;
        r.duplicated = t->duplicated;
        r.lost = r.expected > unique ? r.expected - unique : 0;
        r.out_of_order = t->out_of_order;
        r.errors = t->errors;
        r.stalls = t->stalls;
        r.bad_payload = t->bad_payload;
        r.drained = drained_;
        r.latency = t->latency_measured;
        r.cpu = cpu_;
        print_summary(o_, r);
        print_json(o_, r);
    }

    const BenchOptions& o_;
    RunContext ctx_;
    Topology topology_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::unique_ptr<Publisher>> publishers_;
    std::vector<SharedSequenceTracker> group_trackers_;  // shared subscription: one per publisher
    std::vector<std::unique_ptr<Subscriber>> subscribers_;
    std::unique_ptr<LiveReporter> reporter_;
    CpuTimes cpu0_;
    std::int64_t wall0_ = 0;
    std::optional<double> broker_cpu0_;
    CpuReport cpu_;
    bool drained_ = false;
};

}  // namespace

int run_throughput(const BenchOptions& o) {
    ThroughputRun run(o);
    return run.run();
}

}  // namespace tapmq::cli::bench
