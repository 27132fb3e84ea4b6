#include "tcp_transport.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace tapmq::broker {
namespace {

boost::system::error_code last_error() noexcept {
    return {errno, boost::system::system_category()};
}

bool would_block(int e) noexcept {
    return e == EAGAIN || e == EWOULDBLOCK;
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
    ec = {};
    std::size_t total = 0;
    while (rest.size() != 0) {
        const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            rest += static_cast<std::size_t>(n);
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (would_block(errno)) {
            writable_ = false;
        } else {
            ec = last_error();
        }
        break;
    }
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
        read_ = std::make_unique<PendingRead>(PendingRead{buf, std::move(h)});
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
        write_ = std::make_unique<PendingWrite>(PendingWrite{buf, n, std::move(h)});
        return;
    }
    post([h = std::move(h), ec, n] { h->on_written(ec, n); });
}

IoHandlerPtr TcpTransport::note_events(std::uint32_t events) noexcept {
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) readable_ = true;
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) writable_ = true;
    if (readable_ && reader_) return reader_;
    if (readable_ && read_) return read_->handler;
    if (writable_ && write_) return write_->handler;
    return nullptr;
}

void TcpTransport::run_ready() {
    if (fd_ >= 0 && writable_ && write_) {
        boost::system::error_code ec;
        write_->written += send(write_->rest, ec);
        if (ec || write_->rest.size() == 0) {
            auto w = std::move(write_);
            w->handler->on_written(ec, w->written);
        }
    }
    if (fd_ < 0 || !readable_) return;  // closed by the write's handler, or nothing to read
    if (reader_) {
        auto h = std::move(reader_);
        h->on_readable({});
    } else if (read_) {
        boost::system::error_code ec;
        const std::size_t n = receive(read_->buf, ec);
        if (ec == boost::asio::error::would_block) return;
        auto r = std::move(read_);
        r->handler->on_read(ec, n);
    }
}

void TcpTransport::close() noexcept {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    close_descriptor();
    // What waited ends as Asio ends it on close.
    const boost::system::error_code aborted = boost::asio::error::operation_aborted;
    try {
        if (reader_) post([h = std::move(reader_), aborted] { h->on_readable(aborted); });
        if (read_) post([h = std::move(read_->handler), aborted] { h->on_read(aborted, 0); });
        if (write_)
            post([h = std::move(write_->handler), aborted, n = write_->written] {
                h->on_written(aborted, n);
            });
    } catch (...) {
        // Out of memory for the completion: the handler is released instead of called.
    }
    reader_.reset();
    read_.reset();
    write_.reset();
}

std::string TcpTransport::remote_address() const {
    boost::asio::ip::tcp::endpoint ep;
    socklen_t len = static_cast<socklen_t>(ep.capacity());
    if (fd_ < 0 || ::getpeername(fd_, ep.data(), &len) != 0) return "unknown";
    ep.resize(len);
    return endpoint_string(ep);
}

std::unique_ptr<Transport> make_tcp_transport(TcpSocket s, Poller& poller) {
    boost::system::error_code ec;
    const int fd = s.release(ec);  // -1 on failure: the handshake reports it
    return std::make_unique<TcpTransport>(ec ? -1 : fd, poller);
}

}  // namespace tapmq::broker
