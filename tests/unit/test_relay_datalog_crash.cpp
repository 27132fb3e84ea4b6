// The datalog queue under kill -9: a forked child pushes records and pops them (compacting often),
// telling the parent through a pipe what it is about to do and what it has done; the parent kills it
// at a random moment, reopens the queue and checks the promise — nothing acknowledged (popped)
// reappears, nothing pushed and not popped is lost, records stay in order and intact. Ten kills in a
// row on the same queue.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "relay/datalog_queue.hpp"
#include "test_relay_util.hpp"

namespace tapmq::relay {
namespace {

DatalogQueue::Options crash_options() {
    DatalogQueue::Options o;
    o.sync = false;  // kill -9 keeps the page cache: this tests the order of writes, not the disk
    o.max_records = 1'000'000;
    o.max_bytes = 64 << 20;
    o.compact_min_bytes = 512;  // compact often, so kills land inside compactions too
    return o;
}

std::string payload(std::uint64_t seq) {
    return "record-" + std::to_string(seq) + std::string(seq % 37, '.');
}

// Child: forever push one or two records, pop one or two (so the queue stays small and compacts
// often). Reports to `fd` (a file: a pipe would fill up and stop the child) "p <seq>" after a push
// returned, "a <seq>" before popping through seq and "d <seq>" after.
[[noreturn]] void child(const std::filesystem::path& dir, int fd, unsigned seed) {
    try {
        DatalogQueue q{StateDir(dir), crash_options()};
        std::mt19937 rng(seed);
        char line[64];
        auto say = [&](char what, std::uint64_t seq) {
            int n = std::snprintf(line, sizeof line, "%c %llu\n", what, static_cast<unsigned long long>(seq));
            if (::write(fd, line, static_cast<std::size_t>(n)) != n) ::_exit(3);
        };
        for (;;) {
            for (unsigned k = 0; k < 1 + rng() % 2; ++k) {
                auto seq = q.next_seq();
                if (q.push(payload(seq)) != seq) ::_exit(4);
                say('p', seq);
            }
            if (auto f = q.front()) {
                auto through = f->seq + (q.size() > 1 ? rng() % 2 : 0);
                say('a', through);
                q.pop_through(through);
                say('d', through);
            }
        }
    } catch (...) {
        ::_exit(2);
    }
}

TEST(RelayDatalogCrash, KillNineNeverLosesOrResurrectsRecords) {
    test::TempDir tmp;
    const auto dir = tmp.path() / "q";
    std::mt19937 rng(12345);
    std::uint64_t confirmed_pop = 0;  // over all rounds
    std::uint64_t confirmed_push = 0;
    for (int round = 0; round < 10; ++round) {
        const auto ops_file = tmp.path() / "ops";
        int fd = ::open(ops_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) child(dir, fd, static_cast<unsigned>(round));
        ::close(fd);
        ::usleep(static_cast<useconds_t>(20'000 + rng() % 150'000));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

        const std::string log = test::slurp(ops_file);
        std::uint64_t attempted_pop = confirmed_pop;
        std::size_t pos = 0;
        int ops = 0;
        while (true) {
            auto nl = log.find('\n', pos);
            if (nl == std::string::npos) break;  // a torn last line: not confirmed
            char what = log[pos];
            std::uint64_t seq = std::stoull(log.substr(pos + 2, nl - pos - 2));
            if (what == 'p') confirmed_push = seq;
            if (what == 'a') attempted_pop = seq;
            if (what == 'd') confirmed_pop = seq;
            pos = nl + 1;
            ++ops;
        }
        ASSERT_GT(ops, 0) << "round " << round << ": the child did nothing before the kill";

        DatalogQueue q{StateDir(dir), crash_options()};
        auto records = q.peek(q.size());
        // Nothing popped reappears.
        if (!records.empty()) {
            EXPECT_GT(records.front().seq, confirmed_pop) << "round " << round;
        }
        // In order, intact, gap-free.
        for (std::size_t i = 0; i < records.size(); ++i) {
            ASSERT_EQ(records[i].data, payload(records[i].seq)) << "round " << round;
            if (i > 0) {
                ASSERT_EQ(records[i].seq, records[i - 1].seq + 1) << "round " << round;
            }
        }
        // Nothing pushed and not popped is lost: every confirmed push past the last attempted pop is there.
        if (confirmed_push > attempted_pop) {
            ASSERT_FALSE(records.empty()) << "round " << round;
            EXPECT_LE(records.front().seq, attempted_pop + 1) << "round " << round;
            EXPECT_GE(records.back().seq, confirmed_push) << "round " << round;
        }
        // Seqs go on from there, never reused below what was confirmed.
        EXPECT_GE(q.next_seq(), confirmed_push + 1);
        // The pop that was in flight may or may not have happened; from now on it counts as done.
        confirmed_pop = std::max(confirmed_pop, records.empty() ? attempted_pop : records.front().seq - 1);
    }
}

}  // namespace
}  // namespace tapmq::relay
