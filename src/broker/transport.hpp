// The byte stream under a connection: plain TCP, TLS, WebSocket or WebSocket over TLS. The MQTT
// connection logic only sees this interface.
#pragma once

#include <functional>
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

class Transport {
  public:
    using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;
    using HandshakeHandler = std::function<void(const boost::system::error_code&)>;
    virtual ~Transport() = default;
    // Runs the transport's own handshake (TLS, WebSocket upgrade); TCP completes at once.
    virtual void async_handshake(HandshakeHandler h) = 0;
    virtual void async_read_some(boost::asio::mutable_buffer buf, Handler h) = 0;
    virtual void async_write(boost::asio::const_buffer buf, Handler h) = 0;
    virtual void close() noexcept = 0;
    virtual std::string remote_address() const = 0;
    virtual std::optional<PeerIdentity> peer_identity() { return std::nullopt; }
    virtual const char* kind() const noexcept = 0;
};

std::string endpoint_string(const boost::asio::ip::tcp::socket& s);

class TcpTransport final : public Transport {
  public:
    explicit TcpTransport(boost::asio::ip::tcp::socket s) : socket_(std::move(s)) {}
    void async_handshake(HandshakeHandler h) override { h({}); }
    void async_read_some(boost::asio::mutable_buffer buf, Handler h) override {
        socket_.async_read_some(buf, std::move(h));
    }
    void async_write(boost::asio::const_buffer buf, Handler h) override {
        boost::asio::async_write(socket_, buf, std::move(h));
    }
    void close() noexcept override {
        boost::system::error_code ec;
        socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }
    std::string remote_address() const override { return endpoint_string(socket_); }
    const char* kind() const noexcept override { return "tcp"; }

  private:
    boost::asio::ip::tcp::socket socket_;
};

}  // namespace tapmq::broker
