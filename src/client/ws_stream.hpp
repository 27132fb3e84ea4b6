// MQTT over WebSocket under a client (MQTT 5 spec 6.0, Boost.Beast): an HTTP upgrade to the given
// path offering the subprotocol "mqtt", then every write is one binary message; reads return the
// bytes of the broker's messages however they are framed. Over plain TCP (ws://) or TLS (wss://, with
// the same certificate checks and error sentences as TlsStream).
#pragma once

#include <memory>
#include <string>

#include "stream.hpp"
#include "tls_stream.hpp"

namespace tapmq::client {

// ws://host:port/path
std::unique_ptr<Stream> make_ws_stream(boost::asio::io_context& io, std::string path);
// wss://host:port/path
std::unique_ptr<Stream> make_wss_stream(boost::asio::io_context& io, TlsContextPtr ctx, bool verify_hostname,
                                        std::string path);

}  // namespace tapmq::client
