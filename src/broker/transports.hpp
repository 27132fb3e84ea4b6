// Factories for the transports other than plain TCP (each defined in its own file).
#pragma once

#include <boost/asio/ssl.hpp>
#include <memory>

#include "transport.hpp"

namespace tapmq::broker {

using SslContextPtr = std::shared_ptr<boost::asio::ssl::context>;

std::unique_ptr<Transport> make_tls_transport(TcpSocket s, SslContextPtr ctx);
// MQTT over WebSocket (RFC 6455, subprotocol "mqtt"); with a context, over TLS.
std::unique_ptr<Transport> make_ws_transport(TcpSocket s, SslContextPtr ctx = nullptr);

// The identity in a verified peer certificate (null when there is none).
std::optional<PeerIdentity> identity_of(SSL* ssl);

}  // namespace tapmq::broker
