// Crash test: a child process (this test binary, fork()ed and exec()ed; main() below sees the
// environment and runs crash_child() instead of the tests) submits
// numbered batches and writes each number to a pipe once its `done` fires; the parent SIGKILLs it at a
// random moment, reopens the store and checks that every acknowledged number is there. The same store is
// crashed several times in a row, so recovery after recovery is exercised too.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "persist/store.hpp"
#include "test_persist_util.hpp"

extern char** environ;

namespace {

using namespace tapmq::persist;
using namespace tapmq::persist::testing;
namespace fs = std::filesystem;

constexpr const char* kDirEnv = "TAPMQ_PERSIST_CRASH_DIR";
constexpr const char* kFdEnv = "TAPMQ_PERSIST_CRASH_FD";
constexpr const char* kBaseEnv = "TAPMQ_PERSIST_CRASH_BASE";
constexpr const char* kModeEnv = "TAPMQ_PERSIST_CRASH_MODE";

std::string payload_of(std::uint64_t n) {
    std::string p = "payload-" + std::to_string(n) + "-";
    p.resize(100, 'p');
    return p;
}

// The child (the environment variables are set): submits until killed.
[[noreturn]] void crash_child(const char* dir) {
    const int fd = std::atoi(std::getenv(kFdEnv));
    const std::uint64_t base = std::strtoull(std::getenv(kBaseEnv), nullptr, 10);
    StoreOptions o;
    o.dir = dir;
    o.durability = std::string(std::getenv(kModeEnv)) == "os" ? Durability::Os : Durability::Fsync;
    auto store = Store::open(o);
    std::atomic<int> in_flight{0};
    std::mt19937 rng(static_cast<unsigned>(base));
    for (std::uint64_t n = base + 1;; ++n) {
        while (in_flight.load() > 256)
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        Batch b;
        b.put_message(make_message(n, "crash/" + std::to_string(n % 7), payload_of(n)));
        b.put_outgoing("crash-client", n,
                       {n, 1, false, 1, static_cast<std::uint16_t>(n), {}, "", std::nullopt});
        if (n % 50 == 0)
            b.put_message(make_message(n + (1ull << 40), "big", std::string(40'000 + rng() % 60'000, 'b')));
        ++in_flight;
        store->submit(std::move(b), [fd, n, &in_flight] {
            std::uint64_t v = n;
            const char* p = reinterpret_cast<const char*>(&v);
            std::size_t left = sizeof v;
            while (left > 0) {
                ssize_t w = ::write(fd, p, left);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) std::_Exit(3);
                p += w;
                left -= static_cast<std::size_t>(w);
            }
            --in_flight;
        });
    }
}

struct Outcome {
    std::vector<std::uint64_t> acked;
};

// Starts the child, lets it run for a random while after its first acknowledgement, kills it.
Outcome crash_once(const fs::path& dir, std::uint64_t base, const char* mode, std::mt19937& rng) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    // Everything the child needs is prepared before fork(): between fork and exec only async-signal-safe
    // calls are allowed.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
        env_strings.emplace_back(*e);
    env_strings.push_back(std::string(kDirEnv) + "=" + dir.string());
    env_strings.push_back(std::string(kFdEnv) + "=" + std::to_string(fds[1]));
    env_strings.push_back(std::string(kBaseEnv) + "=" + std::to_string(base));
    env_strings.push_back(std::string(kModeEnv) + "=" + mode);
    std::vector<char*> envp;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = fs::read_symlink("/proc/self/exe").string();
    std::vector<char*> argv = {exe.data(), nullptr};

    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
        int flags = ::fcntl(fds[1], F_GETFD);
        ::fcntl(fds[1], F_SETFD, flags & ~FD_CLOEXEC);
        int devnull = ::open("/dev/null", O_WRONLY);
        if (devnull >= 0) ::dup2(devnull, 1);  // keep the child's output out of the log
        ::execve(exe.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(fds[1]);

    Outcome out;
    std::string buf;
    auto read_some = [&](int timeout_ms) {
        pollfd p{fds[0], POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return true;
        char tmp[4096];
        ssize_t n = ::read(fds[0], tmp, sizeof tmp);
        if (n <= 0) return false;  // EOF: the child is gone
        buf.append(tmp, static_cast<std::size_t>(n));
        while (buf.size() >= 8) {
            std::uint64_t v;
            std::memcpy(&v, buf.data(), 8);
            out.acked.push_back(v);
            buf.erase(0, 8);
        }
        return true;
    };
    auto start = std::chrono::steady_clock::now();
    while (out.acked.empty() && std::chrono::steady_clock::now() - start < std::chrono::seconds(20))
        if (!read_some(100)) break;
    // While the child has the store open, this process cannot open it, and it is not mistaken for corrupt
    // (a log being appended to has a torn tail) even with move_aside_if_corrupt.
    try {
        StoreOptions o;
        o.dir = dir;
        o.move_aside_if_corrupt = true;
        Store::open(o);
        ADD_FAILURE() << "opened a store that another process has open";
    } catch (const StoreError& e) {
        EXPECT_FALSE(e.corrupt()) << e.what();
        EXPECT_NE(std::string(e.what()).find("another process"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::exists(dir / "CURRENT"));
    auto run_for = std::chrono::milliseconds(20 + rng() % 400);
    auto until = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < until)
        if (!read_some(5)) break;
    ::kill(pid, SIGKILL);
    while (read_some(1000)) {
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(fds[0]);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
    return out;
}

void crash_repeatedly(const char* mode) {
    TempDir t;
    std::mt19937 rng(std::random_device{}());
    const int iterations = 6;
    std::uint64_t total_acked = 0;
    for (int i = 0; i < iterations; ++i) {
        const std::uint64_t base = static_cast<std::uint64_t>(i + 1) * 1'000'000'000ull;
        auto out = crash_once(t.store(), base, mode, rng);
        ASSERT_FALSE(out.acked.empty()) << "the child acknowledged nothing";
        total_acked += out.acked.size();
        // Acknowledgements come in submission order.
        for (std::size_t k = 0; k < out.acked.size(); ++k)
            ASSERT_EQ(out.acked[k], base + 1 + k);

        auto store = Store::open({t.store(), Durability::Fsync, false, {}, 0});
        Collected c;
        store->load(c);
        std::set<std::uint64_t> ids;
        for (auto& [id, m] : c.messages)
            if (id >= base && id < base + 1'000'000'000ull) {
                EXPECT_EQ(m.payload, payload_of(id));
                ids.insert(id);
            }
        std::set<std::uint64_t> queued;
        for (auto& [client, seq, o] : c.outgoing_list)
            if (seq >= base && seq < base + 1'000'000'000ull) queued.insert(seq);
        for (auto n : out.acked) {
            ASSERT_TRUE(ids.count(n)) << "acknowledged message " << n << " lost (iteration " << i << ")";
            ASSERT_TRUE(queued.count(n)) << "acknowledged outgoing entry " << n << " lost";
        }
        // What survived is a prefix of what was submitted: no holes.
        ASSERT_FALSE(ids.empty());
        EXPECT_EQ(*ids.begin(), base + 1);
        EXPECT_EQ(*ids.rbegin() - base, ids.size()) << "a hole in the recovered batches";
        EXPECT_EQ(ids, queued);
        // Earlier rounds are still all there.
        for (int j = 0; j < i; ++j) {
            auto lo = static_cast<std::uint64_t>(j + 1) * 1'000'000'000ull;
            EXPECT_NE(c.messages.lower_bound(lo), c.messages.end());
        }
    }
    std::cout << "[          ] " << mode << ": " << iterations << " crashes, " << total_acked
              << " acknowledged batches, none lost\n";
}

TEST(PersistCrash, KillDuringFsyncWrites) {
    crash_repeatedly("fsync");
}
TEST(PersistCrash, KillDuringOsWrites) {
    crash_repeatedly("os");
}

}  // namespace

// The test binary's entry point: the crash child when started by crash_once(), the tests otherwise.
int main(int argc, char** argv) {
    if (const char* dir = std::getenv(kDirEnv)) crash_child(dir);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
