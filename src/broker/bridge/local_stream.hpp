// The client end of a bridge's connection into its own broker: a TCP socket already connected (to
// the other end of a loopback pair, which the broker serves as an accepted connection). "Connecting"
// completes at once; everything else is plain TCP.
#pragma once

#include "client/stream.hpp"

namespace tapmq::broker::bridge {

class LocalStream final : public client::Stream {
  public:
    explicit LocalStream(boost::asio::ip::tcp::socket s) : socket_(std::move(s)) {}

    void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>&, const std::string&,
                       ConnectHandler h) override {
        boost::asio::post(socket_.get_executor(), [h = std::move(h)] { h({}); });
    }
    void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) override {
        socket_.async_read_some(buf, std::move(h));
    }
    void async_write(boost::asio::const_buffer buf, IoHandler h) override {
        boost::asio::async_write(socket_, buf, std::move(h));
    }
    void shutdown_send() noexcept override {
        boost::system::error_code ec;
        socket_.shutdown(boost::asio::socket_base::shutdown_send, ec);
    }
    void close() noexcept override {
        boost::system::error_code ec;
        socket_.close(ec);
    }
    boost::asio::any_io_executor executor() override { return socket_.get_executor(); }

  private:
    boost::asio::ip::tcp::socket socket_;
};

}  // namespace tapmq::broker::bridge
