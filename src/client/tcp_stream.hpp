// Plain TCP under a client (TCP_NODELAY on by default: MQTT packets are small and latency matters).
#pragma once

#include "stream.hpp"

namespace tapmq::client {

class TcpStream final : public Stream {
  public:
    explicit TcpStream(boost::asio::io_context& io, bool no_delay = true)
        : socket_(io), no_delay_(no_delay) {}

    void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, const std::string& host,
                       ConnectHandler h) override;
    void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) override {
        socket_.async_read_some(buf, std::move(h));
    }
    void async_write(boost::asio::const_buffer buf, IoHandler h) override {
        boost::asio::async_write(socket_, buf, std::move(h));
    }
    void shutdown_send() noexcept override;
    void close() noexcept override;
    boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
    std::string explain_read_error(const boost::system::error_code& ec, bool before_connack) const override;

  private:
    boost::asio::ip::tcp::socket socket_;
    bool no_delay_;
    std::uint16_t port_ = 0;
};

}  // namespace tapmq::client
