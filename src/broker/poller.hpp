// Readiness of a worker's plain TCP connections, from one epoll set of the worker's own.
//
// Asio's reactor keeps a 168-byte record per socket and, for an idle connection, a pending wait
// operation of its own allocation: together more than the connection's own state. Here a socket is
// a bare descriptor in the worker's epoll set (edge-triggered, registered once for input and
// output), its transport holds what waits on it, and the set itself is one descriptor in the
// worker's io_context: when it is readable, the worker takes the ready events in batches.
//
// Threads: everything runs on the worker thread except remove(), which a transport closed
// elsewhere may call.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "transport.hpp"
#include "util/asio.hpp"

namespace tapmq::broker {

class TcpTransport;
class Worker;

class Poller {
  public:
    explicit Poller(Worker& worker, boost::asio::io_context& ctx);
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    boost::asio::io_context& context() noexcept { return ctx_; }

    // Watches `fd` for `t` until the descriptor is closed (worker thread).
    boost::system::error_code add(int fd, TcpTransport* t);
    // A descriptor added here was closed (any thread). The set is waited on only while it holds
    // descriptors, so that a released worker's loop can run out of work and end.
    void remove() noexcept;

  private:
    void arm();
    void on_ready(const boost::system::error_code& ec);

    // A transport with work to do in this batch, and a reference to its handler that keeps it
    // alive until that work is done.
    struct Ready {
        IoHandlerPtr keep;
        TcpTransport* transport;
    };

    Worker& worker_;
    boost::asio::io_context& ctx_;
    boost::asio::posix::stream_descriptor set_;  // the epoll descriptor
    std::atomic<std::size_t> registered_{0};
    bool armed_ = false;
    std::vector<Ready> ready_;
};

}  // namespace tapmq::broker
