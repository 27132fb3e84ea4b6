// Factories for the transports other than plain TCP (each defined in its own file).
#pragma once

#include <boost/asio/ssl.hpp>
#include <memory>

#include "transport.hpp"

namespace tapmq::broker {

using SslContextPtr = std::shared_ptr<boost::asio::ssl::context>;

std::unique_ptr<Transport> make_tls_transport(TcpSocket s, SslContextPtr ctx);
namespace http {
class HttpService;
}

// MQTT over WebSocket (RFC 6455, subprotocol "mqtt"); with a context, over TLS. With a service,
// plain HTTP requests on the same connection are answered by it before (instead of) the upgrade.
// `header_limit`: the most bytes of request line and headers (websockets_headers_size; 0 = 8 KiB);
// a larger request is refused (431 with a service, closed otherwise).
std::unique_ptr<Transport> make_ws_transport(TcpSocket s, SslContextPtr ctx = nullptr,
                                             std::shared_ptr<http::HttpService> service = nullptr,
                                             std::size_t header_limit = 0);
// The handshake "failure" a WebSocket transport reports when its connection served HTTP and is done.
bool is_http_done(const boost::system::error_code& ec) noexcept;

// The identity in a verified peer certificate (null when there is none).
std::optional<PeerIdentity> identity_of(SSL* ssl);

}  // namespace tapmq::broker
