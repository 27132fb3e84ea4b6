// How a client reaches its broker, and the one function that turns that into byte streams: plain TCP,
// TLS, WebSocket or WebSocket over TLS. A factory, because a reconnecting client needs a fresh stream
// for every attempt (an SSL object or a WebSocket is good for one connection); the TLS context (CA,
// certificate and key files) is loaded once, when the factory is made.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "stream.hpp"
#include "tls_stream.hpp"
#include "url.hpp"

namespace tapmq::client {

struct TransportOptions {
    Transport kind = Transport::Tcp;
    TlsOptions tls;                                            // Tls and Wss
    std::string ws_path = std::string(kDefaultWebSocketPath);  // Ws and Wss: the HTTP path of the upgrade
};

using StreamFactory = std::function<std::unique_ptr<Stream>(boost::asio::io_context&)>;

// Throws TlsConfigError when the TLS files cannot be loaded.
StreamFactory make_stream_factory(const TransportOptions& o);

}  // namespace tapmq::client
