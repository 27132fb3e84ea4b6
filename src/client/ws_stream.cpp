#include "ws_stream.hpp"

// Boost 1.74's HTTP parser trips GCC 12's -Wmaybe-uninitialized under the sanitizers (see
// src/broker/ws_transport.cpp): not our code, so not our warning.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#pragma GCC diagnostic pop

#include <type_traits>

namespace tapmq::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;
using SslStream = boost::asio::ssl::stream<tcp::socket>;

template <typename Next>
class WsStream final : public Stream {
  public:
    static constexpr bool kTls = std::is_same_v<Next, SslStream>;

    WsStream(boost::asio::io_context& io, TlsContextPtr ctx, bool verify_hostname,
             std::string path) requires kTls : ctx_(std::move(ctx)),
                                               ws_(io, *ctx_),
                                               verify_hostname_(verify_hostname),
                                               path_(std::move(path)) {}
    WsStream(boost::asio::io_context& io, std::string path) requires(!kTls)
        : ws_(io), path_(std::move(path)) {}

    void async_connect(const std::vector<tcp::endpoint>& endpoints, const std::string& host,
                       ConnectHandler h) override {
        boost::asio::async_connect(
            beast::get_lowest_layer(ws_), endpoints,
            [this, host, h = std::move(h)](const boost::system::error_code& ec,
                                           const tcp::endpoint& ep) mutable {
                if (ec) {
                    h(ec);
                    return;
                }
                boost::system::error_code ignored;
                beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ignored);
                host_ = host;
                port_ = ep.port();
                if constexpr (kTls) {
                    prepare_client_handshake(ws_.next_layer().native_handle(), host, verify_hostname_);
                    ws_.next_layer().async_handshake(
                        boost::asio::ssl::stream_base::client,
                        [this, h = std::move(h)](const boost::system::error_code& hec) mutable {
                            if (hec) {
                                if (hec != boost::asio::error::operation_aborted) {
                                    connect_error_ =
                                        describe_tls_failure(ws_.next_layer().native_handle(), hec, host_,
                                                             port_, verify_hostname_);
                                }
                                h(hec);
                                return;
                            }
                            upgrade(std::move(h));
                        });
                } else {
                    upgrade(std::move(h));
                }
            });
    }

    void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) override {
        ws_.async_read_some(buf, std::move(h));
    }
    void async_write(boost::asio::const_buffer buf, IoHandler h) override {
        ws_.async_write(buf, std::move(h));
    }

    void shutdown_send() noexcept override {
        // A close frame; the broker, which has the DISCONNECT, closes the connection.
        ws_.async_close(websocket::close_code::normal, [](const boost::system::error_code&) {});
    }
    void close() noexcept override {
        boost::system::error_code ec;
        auto& sock = beast::get_lowest_layer(ws_);
        sock.shutdown(tcp::socket::shutdown_both, ec);
        sock.close(ec);
    }
    boost::asio::any_io_executor executor() override { return ws_.get_executor(); }
    std::string connect_error() const override { return connect_error_; }
    std::string explain_read_error(const boost::system::error_code& ec, bool before_connack) const override {
        if constexpr (kTls) {
            if (ec.category() == boost::asio::error::get_ssl_category()) {
                return describe_tls_read_failure(ec, port_, before_connack);
            }
        }
        (void)before_connack;
        if (ec == websocket::error::closed) {
            const auto& reason = ws_.reason();
            std::string what = "the broker closed the WebSocket (code " + std::to_string(reason.code);
            if (!reason.reason.empty())
                what += ": " + std::string(reason.reason.data(), reason.reason.size());
            return what + ")";
        }
        return {};
    }

  private:
    std::string host_header() const {
        const bool ipv6 = host_.find(':') != std::string::npos;
        std::string h = ipv6 ? "[" + host_ + "]" : host_;
        if (port_ != (kTls ? 443 : 80)) h += ":" + std::to_string(port_);
        return h;
    }

    void upgrade(ConnectHandler h) {
        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(http::field::sec_websocket_protocol, "mqtt");
            req.set(http::field::user_agent, "tapmq");
        }));
        ws_.binary(true);
        ws_.read_message_max(0);  // MQTT's maximum packet size is the limit that applies
        ws_.async_handshake(response_, host_header(), path_,
                            [this, h = std::move(h)](const boost::system::error_code& ec) {
                                if (ec && ec != boost::asio::error::operation_aborted) {
                                    connect_error_ = describe_upgrade_failure(ec);
                                }
                                h(ec);
                            });
    }

    std::string describe_upgrade_failure(const boost::system::error_code& ec) const {
        std::string what = "WebSocket upgrade with " + std::string(kTls ? "wss://" : "ws://") +
                           host_header() + path_ + " failed: ";
        if (ec == websocket::error::upgrade_declined) {
            const unsigned status = response_.result_int();
            what += "HTTP " + std::to_string(status);
            const auto reason = response_.reason();
            if (!reason.empty()) what += " " + std::string(reason);
            what += "; is the path right? (brokers commonly serve /mqtt)";
            return what;
        }
        if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
            ec == boost::asio::error::connection_reset) {
            what += "the broker closed the connection; is port " + std::to_string(port_) +
                    " a WebSocket listener" + (kTls ? "" : " (and not a TLS one: use wss://)") + "?";
            return what;
        }
        what += ec.message();
        if (ec.category() == boost::system::error_code(http::error::bad_version).category()) {
            what += "; is port " + std::to_string(port_) + " a WebSocket listener?";
        }
        return what;
    }

    TlsContextPtr ctx_;  // outlives the SSL object (wss only)
    websocket::stream<Next> ws_;
    bool verify_hostname_ = true;
    std::string path_;
    std::string host_;
    std::uint16_t port_ = 0;
    websocket::response_type response_;
    std::string connect_error_;
};

}  // namespace

std::unique_ptr<Stream> make_ws_stream(boost::asio::io_context& io, std::string path) {
    return std::make_unique<WsStream<tcp::socket>>(io, std::move(path));
}

std::unique_ptr<Stream> make_wss_stream(boost::asio::io_context& io, TlsContextPtr ctx, bool verify_hostname,
                                        std::string path) {
    return std::make_unique<WsStream<SslStream>>(io, std::move(ctx), verify_hostname, std::move(path));
}

}  // namespace tapmq::client
