// The byte stream under a connection. Plain TCP today; TLS and WebSocket streams implement the same
// interface, so the MQTT connection logic never knows what carries it.
#pragma once

#include "util/asio.hpp"
#include <functional>
#include <memory>
#include <string>

namespace tapmq::broker {

class Transport {
  public:
    using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;
    virtual ~Transport() = default;
    virtual void async_read_some(boost::asio::mutable_buffer buf, Handler h) = 0;
    virtual void async_write(boost::asio::const_buffer buf, Handler h) = 0;
    virtual void close() noexcept = 0;
    virtual std::string remote_address() const = 0;
};

class TcpTransport final : public Transport {
  public:
    explicit TcpTransport(boost::asio::ip::tcp::socket s) : socket_(std::move(s)) {}
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
    std::string remote_address() const override {
        boost::system::error_code ec;
        auto ep = socket_.remote_endpoint(ec);
        if (ec) return "unknown";
        return ep.address().to_string() + ":" + std::to_string(ep.port());
    }

  private:
    boost::asio::ip::tcp::socket socket_;
};

}  // namespace tapmq::broker
