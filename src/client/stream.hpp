// The byte stream under a client: plain TCP (tcp_stream.hpp), TLS (tls_stream.hpp), MQTT over
// WebSocket over either (ws_stream.hpp). Each does its handshakes inside async_connect, so the MQTT
// logic never knows what carries it. stream_factory.hpp builds the right one from TransportOptions.
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
    // After async_connect failed: a sentence saying why and what to change, when the stream knows
    // more than the error code (a TLS certificate check, a WebSocket upgrade refused); empty to let
    // the client say "cannot connect to host:port: <error>".
    virtual std::string connect_error() const { return {}; }
    // A read failed (`before_connack`: the MQTT connection was not yet accepted): the sentence to report
    // when the stream can say more than the error code (a TLS alert from the broker, a listener of
    // another kind), empty otherwise.
    virtual std::string explain_read_error(const boost::system::error_code& ec, bool before_connack) const {
        (void)ec;
        (void)before_connack;
        return {};
    }
};

}  // namespace tapmq::client
