#include "poller.hpp"

#include <sys/epoll.h>

#include <array>
#include <cerrno>

#include "tcp_transport.hpp"
#include "worker.hpp"

namespace tapmq::broker {
namespace {

constexpr int kBatch = 256;

int make_epoll() {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw boost::system::system_error(errno, boost::system::system_category(), "epoll_create1");
    return fd;
}

// Opens a worker's write batch and closes it (flushing) however the handlers leave.
class BatchScope {
  public:
    explicit BatchScope(Worker& w) noexcept : worker_(w) { worker_.begin_batch(); }
    ~BatchScope() { worker_.end_batch(); }
    BatchScope(const BatchScope&) = delete;
    BatchScope& operator=(const BatchScope&) = delete;

  private:
    Worker& worker_;
};

}  // namespace

Poller::Poller(Worker& worker, boost::asio::io_context& ctx)
    : worker_(worker), ctx_(ctx), set_(ctx, make_epoll()) {}

boost::system::error_code Poller::add(int fd, TcpTransport* t) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = t;
    if (::epoll_ctl(set_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        return {errno, boost::system::system_category()};
    }
    registered_.fetch_add(1, std::memory_order_relaxed);
    if (!armed_) arm();
    return {};
}

void Poller::remove() noexcept {
    if (registered_.fetch_sub(1, std::memory_order_relaxed) != 1) return;
    // The last one: stop waiting on the set (on the worker thread, which owns set_).
    boost::asio::post(ctx_, [this] {
        if (armed_ && registered_.load(std::memory_order_relaxed) == 0) {
            boost::system::error_code ignored;
            set_.cancel(ignored);
        }
    });
}

void Poller::arm() {
    armed_ = true;
    set_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                    [this](const boost::system::error_code& ec) { on_ready(ec); });
}

void Poller::on_ready(const boost::system::error_code& ec) {
    armed_ = false;
    if (!ec) {
        std::array<epoll_event, kBatch> events;
        for (;;) {
            const int n = ::epoll_wait(set_.native_handle(), events.data(), kBatch, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            // First note every event (no handler runs, so every transport named is still alive),
            // then run the handlers: one may close and free a connection named later in the batch.
            for (int i = 0; i < n; ++i) {
                auto* t = static_cast<TcpTransport*>(events[static_cast<std::size_t>(i)].data.ptr);
                if (IoHandlerPtr keep = t->note_events(events[static_cast<std::size_t>(i)].events)) {
                    ready_.push_back({std::move(keep), t});
                }
            }
            {
                // What the handlers write is sent once, when the whole batch has been read.
                BatchScope batch(worker_);
                for (auto& r : ready_)
                    r.transport->run_ready();
                ready_.clear();
            }
            if (n < kBatch) break;
        }
    }
    if (registered_.load(std::memory_order_relaxed) > 0) arm();
}

}  // namespace tapmq::broker
