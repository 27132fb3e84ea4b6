#include "tcp_stream.hpp"

namespace tapmq::client {

void TcpStream::async_connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                              const std::string&, ConnectHandler h) {
    boost::asio::async_connect(socket_, endpoints,
                               [this, h = std::move(h)](const boost::system::error_code& ec,
                                                        const boost::asio::ip::tcp::endpoint& ep) {
                                   if (!ec) port_ = ep.port();
                                   if (!ec && no_delay_) {
                                       boost::system::error_code ignored;
                                       socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
                                   }
                                   h(ec);
                               });
}

std::string TcpStream::explain_read_error(const boost::system::error_code& ec, bool before_connack) const {
    if (!before_connack || (ec != boost::asio::error::eof && ec != boost::asio::error::connection_reset))
        return {};
    return "the broker closed the connection before CONNACK; if port " + std::to_string(port_) +
           " is a TLS or WebSocket listener, give --cafile or --ws";
}

void TcpStream::shutdown_send() noexcept {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

void TcpStream::close() noexcept {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

}  // namespace tapmq::client
