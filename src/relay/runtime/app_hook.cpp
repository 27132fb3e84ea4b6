// The Tap application's hook process (app_hook.hpp).
#include "app_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace tapmq::relay::runtime {
namespace {

struct Run : std::enable_shared_from_this<Run> {
    Run(boost::asio::io_context& io) : in(io), out(io), timer(io), poll(io) {}
    boost::asio::posix::stream_descriptor in, out;
    boost::asio::steady_timer timer, poll;
    pid_t pid = -1;
    std::string packet;
    std::string answer;
    std::array<char, 4096> buf{};
    std::size_t max_output = 0;
    std::string error;
    bool output_done = false;
    bool finished = false;
    std::function<void(bool, std::string, std::string)> done;

    void finish(bool ok) {
        if (finished) return;
        finished = true;
        timer.cancel();
        poll.cancel();
        boost::system::error_code ignored;
        in.close(ignored);
        out.close(ignored);
        if (pid > 0) {
            if (!ok) ::kill(pid, SIGKILL);
            int st = 0;
            if (!ok) ::waitpid(pid, &st, 0);  // killed: reaped at once
            pid = -1;
        }
        auto d = std::move(done);
        if (d) d(ok, ok ? std::move(answer) : std::string{}, error);
    }

    void read() {
        auto self = shared_from_this();
        out.async_read_some(
            boost::asio::buffer(buf), [self](const boost::system::error_code& ec, std::size_t n) {
                if (self->finished) return;
                if (!ec) {
                    self->answer.append(self->buf.data(), n);
                    if (self->answer.size() > self->max_output) {
                        self->error = "it wrote more than " + std::to_string(self->max_output) + " bytes";
                        self->finish(false);
                        return;
                    }
                    self->read();
                    return;
                }
                self->output_done = true;  // EOF (or an error): wait for the exit status
                self->wait_exit();
            });
    }

    void wait_exit() {
        int st = 0;
        const pid_t r = ::waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            pid = -1;
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                finish(true);
                return;
            }
            error = WIFEXITED(st) ? "it exited with status " + std::to_string(WEXITSTATUS(st))
                                  : "it was killed by signal " + std::to_string(WTERMSIG(st));
            finish(false);
            return;
        }
        if (r < 0) {
            pid = -1;
            error = std::string("waitpid: ") + std::strerror(errno);
            finish(false);
            return;
        }
        poll.expires_after(std::chrono::milliseconds(5));
        auto self = shared_from_this();
        poll.async_wait([self](const boost::system::error_code& ec) {
            if (!ec && !self->finished) self->wait_exit();
        });
    }
};

}  // namespace

bool AppHook::run(std::string packet, Done done) {
    if (running_ >= options_.max_running) return false;
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) return false;
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
        ::close(to_child[0]);
        ::close(to_child[1]);
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    std::string exe = options_.executable;
    char* argv[] = {exe.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(to_child[0]);
    ::close(from_child[1]);
    if (rc != 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        boost::asio::post(io_, [done = std::move(done), exe, rc] {
            done(false, {}, "cannot start " + exe + ": " + std::strerror(rc));
        });
        return true;
    }
    ++running_;
    auto r = std::make_shared<Run>(io_);
    r->pid = pid;
    r->in.assign(to_child[1]);
    r->out.assign(from_child[0]);
    r->packet = std::move(packet);
    r->max_output = options_.max_output;
    r->done = [this, alive = alive_, done = std::move(done)](bool ok, std::string answer, std::string error) {
        if (!*alive) return;
        --running_;
        done(ok, std::move(answer), std::move(error));
    };
    r->timer.expires_after(options_.timeout);
    r->timer.async_wait([r, ms = options_.timeout.count()](const boost::system::error_code& ec) {
        if (ec || r->finished) return;
        r->error = "it did not finish within " + std::to_string(ms) + " ms";
        r->finish(false);
    });
    boost::asio::async_write(
        r->in, boost::asio::buffer(r->packet), [r](const boost::system::error_code&, std::size_t) {
            boost::system::error_code ignored;
            r->in.close(ignored);  // EOF for the hook (a hook that ignores stdin is fine)
        });
    r->read();
    return true;
}

}  // namespace tapmq::relay::runtime
