#include "tcp_transport.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapmq::broker {
namespace {

boost::system::error_code last_error() noexcept {
    return {errno, boost::system::system_category()};
}

bool would_block(int e) noexcept {
    return e == EAGAIN || e == EWOULDBLOCK;
}

// Sends until `rest` is empty, the socket buffer is full (returns true) or an error.
bool send_all(int fd, boost::asio::const_buffer& rest, std::size_t& total,
              boost::system::error_code& ec) noexcept {
    ec = {};
    while (rest.size() != 0) {
        const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            rest += static_cast<std::size_t>(n);
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (would_block(errno)) return true;
        ec = last_error();
        break;
    }
    return false;
}

}  // namespace

TcpTransport::TcpTransport(int fd, Poller& poller) noexcept : poller_(poller), fd_(fd) {
    if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

TcpTransport::~TcpTransport() {
    close_descriptor();
}

void TcpTransport::close_descriptor() noexcept {
    if (fd_ < 0) return;
    ::close(fd_);  // also leaves the epoll set
    fd_ = -1;
    if (registered_) poller_.remove();
    registered_ = false;
}

void TcpTransport::async_handshake(IoHandlerPtr h) {
    boost::system::error_code ec = fd_ < 0 ? boost::asio::error::bad_descriptor : poller_.add(fd_, this);
    registered_ = !ec;
    h->on_handshake(ec);
}

std::size_t TcpTransport::receive(boost::asio::mutable_buffer buf, boost::system::error_code& ec) noexcept {
    ec = {};
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n > 0) {
            if (static_cast<std::size_t>(n) < buf.size()) readable_ = false;  // drained for now
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            if (buf.size() != 0) ec = boost::asio::error::eof;
            return 0;
        }
        if (errno == EINTR) continue;
        if (would_block(errno)) {
            readable_ = false;
            ec = boost::asio::error::would_block;
        } else {
            ec = last_error();
        }
        return 0;
    }
}

std::size_t TcpTransport::send(boost::asio::const_buffer& rest, boost::system::error_code& ec) noexcept {
    std::size_t total = 0;
    if (send_all(fd_, rest, total, ec)) writable_ = false;
    return total;
}

std::size_t TcpTransport::send_cross_worker(boost::asio::const_buffer buf,
                                            boost::system::error_code& ec) noexcept {
    std::size_t total = 0;
    if (fd_ < 0) {
        ec = boost::asio::error::bad_descriptor;
        return 0;
    }
    // writable_ is the worker's: a full buffer found here is found again by the worker's own write,
    // which then waits for the socket's next output edge.
    send_all(fd_, buf, total, ec);
    return total;
}

std::size_t TcpTransport::read_now(boost::asio::mutable_buffer buf, boost::system::error_code& ec) {
    if (fd_ < 0) {
        ec = boost::asio::error::bad_descriptor;
        return 0;
    }
    return receive(buf, ec);
}

void TcpTransport::async_wait_readable(IoHandlerPtr h) {
    if (fd_ < 0) {
        post([h = std::move(h)] { h->on_readable(boost::asio::error::operation_aborted); });
    } else if (readable_) {
        post([h = std::move(h)] { h->on_readable({}); });
    } else {
        reader_ = std::move(h);
    }
}

void TcpTransport::async_read_some(boost::asio::mutable_buffer buf, IoHandlerPtr h) {
    boost::system::error_code ec = boost::asio::error::would_block;
    std::size_t n = 0;
    if (fd_ < 0) {
        ec = boost::asio::error::operation_aborted;
    } else if (readable_) {
        n = receive(buf, ec);
    }
    if (ec == boost::asio::error::would_block) {
        Pending& p = pending();
        p.read_buf = buf;
        p.reader = std::move(h);
        return;
    }
    post([h = std::move(h), ec, n] { h->on_read(ec, n); });
}

void TcpTransport::async_write(boost::asio::const_buffer buf, IoHandlerPtr h) {
    boost::system::error_code ec;
    std::size_t n = 0;
    if (fd_ < 0) {
        ec = boost::asio::error::operation_aborted;
    } else if (writable_) {
        n = send(buf, ec);
    }
    if (!ec && buf.size() != 0) {
        Pending& p = pending();
        p.write_rest = buf;
        p.written = n;
        p.writer = std::move(h);
        return;
    }
    post([h = std::move(h), ec, n] { h->on_written(ec, n); });
}

IoHandlerPtr TcpTransport::note_events(std::uint32_t events) noexcept {
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) readable_ = true;
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) writable_ = true;
    if (readable_ && reader_) return reader_;
    if (!pending_) return nullptr;
    if (readable_ && pending_->reader) return pending_->reader;
    if (writable_ && pending_->writer) return pending_->writer;
    return nullptr;
}

void TcpTransport::run_ready() {
    if (fd_ >= 0 && writable_ && pending_ && pending_->writer) {
        boost::system::error_code ec;
        pending_->written += send(pending_->write_rest, ec);
        if (ec || pending_->write_rest.size() == 0) {
            auto h = std::move(pending_->writer);
            const std::size_t written = pending_->written;
            trim_pending();
            h->on_written(ec, written);
        }
    }
    if (fd_ < 0 || !readable_) return;  // closed by the write's handler, or nothing to read
    if (reader_) {
        auto h = std::move(reader_);
        h->on_readable({});
    } else if (pending_ && pending_->reader) {
        boost::system::error_code ec;
        const std::size_t n = receive(pending_->read_buf, ec);
        if (ec == boost::asio::error::would_block) return;
        auto h = std::move(pending_->reader);
        trim_pending();
        h->on_read(ec, n);
    }
}

void TcpTransport::shutdown_send() noexcept {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void TcpTransport::close() noexcept {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    close_descriptor();
    // What waited ends as Asio ends it on close.
    const boost::system::error_code aborted = boost::asio::error::operation_aborted;
    try {
        if (reader_) post([h = std::move(reader_), aborted] { h->on_readable(aborted); });
        if (pending_ && pending_->reader)
            post([h = std::move(pending_->reader), aborted] { h->on_read(aborted, 0); });
        if (pending_ && pending_->writer)
            post([h = std::move(pending_->writer), aborted, n = pending_->written] {
                h->on_written(aborted, n);
            });
    } catch (...) {
        // Out of memory for the completion: the handler is released instead of called.
    }
    reader_.reset();
    pending_.reset();
}

std::string TcpTransport::remote_address() const {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (fd_ < 0 || ::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "unknown";
    if (peer.ss_family == AF_UNIX) {
        // A unix socket's client has no name of its own: the listener's path stands for it.
        sockaddr_un local{};
        socklen_t local_len = sizeof local;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return "unix";
        return local.sun_path[0] != '\0' ? std::string(local.sun_path) : "unix";
    }
    boost::asio::ip::tcp::endpoint ep;
    if (len > ep.capacity()) return "unknown";
    std::memcpy(ep.data(), &peer, len);
    ep.resize(len);
    return endpoint_string(ep);
}

std::unique_ptr<Transport> make_tcp_transport(TcpSocket s, Poller& poller) {
    boost::system::error_code ec;
    const int fd = s.release(ec);  // -1 on failure: the handshake reports it
    return std::make_unique<TcpTransport>(ec ? -1 : fd, poller);
}

}  // namespace tapmq::broker
