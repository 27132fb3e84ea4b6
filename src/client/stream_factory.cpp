#include "stream_factory.hpp"

#include "tcp_stream.hpp"
#include "ws_stream.hpp"

namespace tapmq::client {

StreamFactory make_stream_factory(const TransportOptions& o) {
    TlsContextPtr ctx;
    if (uses_tls(o.kind)) ctx = make_tls_context(o.tls);
    const bool verify_hostname = o.tls.verify_hostname;
    switch (o.kind) {
        case Transport::Tcp:
            return [](boost::asio::io_context& io) -> std::unique_ptr<Stream> {
                return std::make_unique<TcpStream>(io);
            };
        case Transport::Tls:
            return [ctx, verify_hostname](boost::asio::io_context& io) -> std::unique_ptr<Stream> {
                return std::make_unique<TlsStream>(io, ctx, verify_hostname);
            };
        case Transport::Ws:
            return [path = o.ws_path](boost::asio::io_context& io) { return make_ws_stream(io, path); };
        case Transport::Wss:
            return [ctx, verify_hostname, path = o.ws_path](boost::asio::io_context& io) {
                return make_wss_stream(io, ctx, verify_hostname, path);
            };
    }
    return nullptr;
}

}  // namespace tapmq::client
