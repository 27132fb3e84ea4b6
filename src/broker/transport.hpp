// The byte stream under a connection: plain TCP, TLS, WebSocket or WebSocket over TLS. The MQTT
// connection logic only sees this interface.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "util/asio.hpp"

namespace tapmq::broker {

// What a verified client certificate says about its owner (use_identity_as_username and
// use_subject_as_username).
struct PeerIdentity {
    std::string common_name;
    std::string subject;  // RFC 2253 form, as Mosquitto's use_subject_as_username
};

// What a transport reports its completions to: the connection. Each outstanding operation holds a
// reference to it inside Asio's own operation (no std::function, no allocation of its own).
class IoHandler {
  public:
    virtual void on_handshake(const boost::system::error_code& ec) = 0;
    virtual void on_read(const boost::system::error_code& ec, std::size_t n) = 0;
    virtual void on_readable(const boost::system::error_code& ec) = 0;
    virtual void on_written(const boost::system::error_code& ec, std::size_t n) = 0;
    // A transport that serves HTTP before any MQTT (ws_transport.cpp) reports each request and
    // each chunk of a response written: the connection's CONNECT deadline starts again.
    virtual void on_progress() {}

  protected:
    ~IoHandler() = default;
};
using IoHandlerPtr = std::shared_ptr<IoHandler>;

class Transport {
  public:
    virtual ~Transport() = default;
    // Runs the transport's own handshake (TLS, WebSocket upgrade); TCP completes at once.
    virtual void async_handshake(IoHandlerPtr h) = 0;
    virtual void async_read_some(boost::asio::mutable_buffer buf, IoHandlerPtr h) = 0;
    virtual void async_write(boost::asio::const_buffer buf, IoHandlerPtr h) = 0;
    // Readiness reads (plain TCP): wait until bytes can be read, then take them with read_now()
    // into a buffer of the caller's choosing, so that an idle connection holds no read buffer.
    // Only where reads_on_readiness(): TLS and WebSocket frame their bytes themselves and offer
    // async_read_some alone.
    virtual bool reads_on_readiness() const noexcept { return false; }
    virtual void async_wait_readable(IoHandlerPtr) {}
    // Reads what is there without blocking (would_block when nothing is).
    virtual std::size_t read_now(boost::asio::mutable_buffer, boost::system::error_code& ec) {
        ec = boost::asio::error::operation_not_supported;
        return 0;
    }
    // Plain TCP: bytes written straight to the socket from a thread other than the worker's, without
    // touching the transport's own state (the caller keeps every other writer off the socket and
    // the descriptor open meanwhile). Returns the bytes taken; a full socket buffer is not an error.
    virtual bool sends_cross_worker() const noexcept { return false; }
    virtual std::size_t send_cross_worker(boost::asio::const_buffer, boost::system::error_code& ec) noexcept {
        ec = boost::asio::error::operation_not_supported;
        return 0;
    }
    // Sends what is written, then FIN: the peer reads everything sent so far and then the end of the
    // stream, while this side can still read (a lingering close). No-op where not supported.
    virtual void shutdown_send() noexcept {}
    virtual void close() noexcept = 0;
    virtual std::string remote_address() const = 0;
    virtual std::optional<PeerIdentity> peer_identity() { return std::nullopt; }
    virtual const char* kind() const noexcept = 0;
};

// A socket bound to its worker's io_context: the concrete executor type keeps the socket and every
// operation pending on it smaller than `any_io_executor` would (which holds a type-erased copy).
using TcpSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// "address:port" of the peer.
std::string endpoint_string(const boost::asio::ip::tcp::endpoint& ep);
std::string endpoint_string(const TcpSocket& s);

}  // namespace tapmq::broker
