// MQTT over WebSocket (MQTT 5 spec 6.0): binary frames, subprotocol "mqtt" (or the 3.1 era
// "mqttv3.1"); MQTT packets may span frames and frames may hold several packets, which the byte
// stream interface hides.
// Boost 1.74's HTTP parser trips GCC 12's -Wmaybe-uninitialized (a boost::optional it fills
// before reading) when inlined under the sanitizers: not our code, so not our warning.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#pragma GCC diagnostic pop

#include "transports.hpp"

namespace tapmq::broker {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;
using TlsStream = boost::asio::ssl::stream<TcpSocket>;

std::string pick_subprotocol(std::string_view requested) {
    // Sec-WebSocket-Protocol is a comma separated list; answer with the first one we speak.
    std::size_t start = 0;
    while (start < requested.size()) {
        std::size_t end = requested.find(',', start);
        if (end == std::string_view::npos) end = requested.size();
        std::string_view p = requested.substr(start, end - start);
        while (!p.empty() && p.front() == ' ')
            p.remove_prefix(1);
        while (!p.empty() && p.back() == ' ')
            p.remove_suffix(1);
        if (p == "mqtt" || p == "mqttv3.1") return std::string(p);
        start = end + 1;
    }
    return {};
}

template <typename Next>
class WsTransport final : public Transport {
  public:
    template <typename... Args>
    explicit WsTransport(TcpSocket s, SslContextPtr ctx, Args&&... args)
        : ctx_(std::move(ctx)), remote_(endpoint_string(s)), ws_(std::move(s), std::forward<Args>(args)...) {}

    void async_handshake(IoHandlerPtr h) override {
        if constexpr (std::is_same_v<Next, TlsStream>) {
            ws_.next_layer().async_handshake(
                boost::asio::ssl::stream_base::server,
                [this, h = std::move(h)](const boost::system::error_code& ec) mutable {
                    if (ec) return h->on_handshake(ec);
                    read_upgrade(std::move(h));
                });
        } else {
            read_upgrade(std::move(h));
        }
    }
    void async_read_some(boost::asio::mutable_buffer buf, IoHandlerPtr h) override {
        ws_.async_read_some(buf, [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) {
            h->on_read(ec, n);
        });
    }
    void async_write(boost::asio::const_buffer buf, IoHandlerPtr h) override {
        ws_.async_write(buf, [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) {
            h->on_written(ec, n);
        });
    }
    void shutdown_send() noexcept override {
        boost::system::error_code ec;
        beast::get_lowest_layer(ws_).shutdown(TcpSocket::shutdown_send, ec);
    }
    void close() noexcept override {
        boost::system::error_code ec;
        auto& sock = beast::get_lowest_layer(ws_);
        sock.shutdown(TcpSocket::shutdown_both, ec);
        sock.close(ec);
    }
    std::string remote_address() const override { return remote_; }
    std::optional<PeerIdentity> peer_identity() override {
        if constexpr (std::is_same_v<Next, TlsStream>) {
            return identity_of(ws_.next_layer().native_handle());
        } else {
            return std::nullopt;
        }
    }
    const char* kind() const noexcept override { return std::is_same_v<Next, TlsStream> ? "wss" : "ws"; }

  private:
    void read_upgrade(IoHandlerPtr h) {
        http::async_read(
            ws_.next_layer(), buffer_, request_,
            [this, h = std::move(h)](const boost::system::error_code& ec, std::size_t) mutable {
                if (ec) return h->on_handshake(ec);
                if (!websocket::is_upgrade(request_))
                    return h->on_handshake(websocket::error::no_connection_upgrade);
                const auto requested = request_[http::field::sec_websocket_protocol];
                std::string proto = pick_subprotocol({requested.data(), requested.size()});
                ws_.set_option(websocket::stream_base::decorator([proto](websocket::response_type& res) {
                    res.set(http::field::server, "tapmqd");
                    if (!proto.empty()) res.set(http::field::sec_websocket_protocol, proto);
                }));
                ws_.binary(true);
                ws_.async_accept(request_, [h = std::move(h)](const boost::system::error_code& accept_ec) {
                    h->on_handshake(accept_ec);
                });
            });
    }

    SslContextPtr ctx_;
    std::string remote_;
    websocket::stream<Next> ws_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
};

}  // namespace

std::unique_ptr<Transport> make_ws_transport(TcpSocket s, SslContextPtr ctx) {
    if (ctx) {
        auto& ctx_ref = *ctx;
        return std::make_unique<WsTransport<TlsStream>>(std::move(s), std::move(ctx), ctx_ref);
    }
    return std::make_unique<WsTransport<TcpSocket>>(std::move(s), nullptr);
}

}  // namespace tapmq::broker
