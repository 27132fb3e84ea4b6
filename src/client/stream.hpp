// The byte stream under a client: plain TCP today. A TLS (or WebSocket) stream implements the same
// interface, doing its handshake inside async_connect, so the MQTT logic never knows what carries it.
#pragma once

#include <functional>
#include <string>
#include <vector>
#include "util/asio.hpp"

namespace tapmq::client {

class Stream {
  public:
    using ConnectHandler = std::function<void(const boost::system::error_code&)>;
    using IoHandler = std::function<void(const boost::system::error_code&, std::size_t)>;

    virtual ~Stream() = default;

    // Connects to the first endpoint that accepts; `host` is the name the user gave (for TLS SNI and
    // certificate checks). The handler runs once the stream is ready for MQTT bytes.
    virtual void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                               const std::string& host, ConnectHandler h) = 0;
    virtual void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) = 0;
    // Writes the whole buffer.
    virtual void async_write(boost::asio::const_buffer buf, IoHandler h) = 0;
    // Sends what is buffered, then no more (TCP FIN); reads continue until the peer closes.
    virtual void shutdown_send() noexcept = 0;
    // Cancels every pending operation and releases the connection.
    virtual void close() noexcept = 0;
    virtual boost::asio::any_io_executor executor() = 0;
};

}  // namespace tapmq::client
