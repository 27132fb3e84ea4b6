// Plain TCP: the socket is a bare descriptor in its worker's epoll set (poller.hpp), not an Asio
// socket, so an idle connection costs this object and no reactor state besides.
//
// Operations behave as Asio's do: a completion never runs inside the call that started it, and
// close() ends what is pending with operation_aborted. Worker thread only, but for
// send_cross_worker().
#pragma once

#include <memory>

#include "poller.hpp"
#include "transport.hpp"

namespace tapmq::broker {

class TcpTransport final : public Transport {
  public:
    // Takes ownership of `fd`, a connected stream socket (made non-blocking here).
    TcpTransport(int fd, Poller& poller) noexcept;
    ~TcpTransport() override;

    void async_handshake(IoHandlerPtr h) override;  // joins the poller's set; no handshake
    void async_read_some(boost::asio::mutable_buffer buf, IoHandlerPtr h) override;
    void async_write(boost::asio::const_buffer buf, IoHandlerPtr h) override;
    bool reads_on_readiness() const noexcept override { return true; }
    void async_wait_readable(IoHandlerPtr h) override;
    std::size_t read_now(boost::asio::mutable_buffer buf, boost::system::error_code& ec) override;
    bool sends_cross_worker() const noexcept override { return true; }
    std::size_t send_cross_worker(boost::asio::const_buffer buf,
                                  boost::system::error_code& ec) noexcept override;
    void shutdown_send() noexcept override;
    void close() noexcept override;
    std::string remote_address() const override;
    const char* kind() const noexcept override { return "tcp"; }

    // From the poller: records `events` and returns the handler to keep alive when something waits
    // on them (no handler runs here).
    IoHandlerPtr note_events(std::uint32_t events) noexcept;
    // Then runs what became possible.
    void run_ready();

  private:
    // A read or write the socket could not serve at once (made only then, and given back once
    // neither waits).
    struct Pending {
        boost::asio::mutable_buffer read_buf;
        IoHandlerPtr reader;  // a read waits
        boost::asio::const_buffer write_rest;
        std::size_t written = 0;
        IoHandlerPtr writer;  // a write waits
    };
    Pending& pending() {
        if (!pending_) pending_ = std::make_unique<Pending>();
        return *pending_;
    }
    void trim_pending() noexcept {
        if (pending_ && !pending_->reader && !pending_->writer) pending_.reset();
    }

    // One recv; a short read or would_block clears readable_.
    std::size_t receive(boost::asio::mutable_buffer buf, boost::system::error_code& ec) noexcept;
    // Sends until `rest` is empty, the socket buffer is full (clears writable_) or an error.
    std::size_t send(boost::asio::const_buffer& rest, boost::system::error_code& ec) noexcept;
    // Runs a completion after the current handler, as Asio does for one that is ready at once.
    template <class F>
    void post(F&& f) {
        boost::asio::post(poller_.context(), std::forward<F>(f));
    }
    void close_descriptor() noexcept;

    Poller& poller_;
    IoHandlerPtr reader_;  // waiting for readability
    std::unique_ptr<Pending> pending_;
    int fd_;
    bool readable_ = false;    // set by the poller; cleared once a read finds the socket drained
    bool writable_ = true;     // cleared when the socket buffer is full, set by the poller
    bool registered_ = false;  // in the poller's set
};

// The transport for an accepted plain TCP socket: its descriptor leaves Asio's reactor.
std::unique_ptr<Transport> make_tcp_transport(TcpSocket s, Poller& poller);

}  // namespace tapmq::broker
