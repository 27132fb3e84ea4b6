// MQTT over WebSocket (MQTT 5 spec 6.0): binary frames, subprotocol "mqtt" (or the 3.1 era
// "mqttv3.1"); MQTT packets may span frames and frames may hold several packets, which the byte
// stream interface hides. On a listener with an HTTP service (http_dir, http_metrics) a request
// that is not an upgrade is answered by the service (src/broker/http/), and the connection reads
// the next one: plain HTTP and MQTT over WebSocket share the port, over TLS too.
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

#include "http/responses.hpp"
#include "http/service.hpp"
#include "transports.hpp"

namespace tapmq::broker {
namespace {

namespace beast = boost::beast;
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

// The end of an HTTP exchange that did not become a WebSocket (the client closed, asked to close,
// or was answered an error): the connection closes without a warning.
struct HttpDoneCategory final : boost::system::error_category {
    const char* name() const noexcept override { return "tapmq.http"; }
    std::string message(int) const override { return "HTTP exchange over"; }
};
const HttpDoneCategory& http_done_category() {
    static const HttpDoneCategory c;
    return c;
}
const boost::system::error_code kHttpDone(1, http_done_category());

using http::HttpLimits;
// A connection closing after HTTP reads and discards what the client still sends, at most this
// much for at most this long, so that its last response is not lost to a TCP reset.
constexpr std::size_t kDrainBytes = 64 * 1024;
constexpr auto kDrainTime = std::chrono::seconds(2);

template <typename Next>
class WsTransport final : public Transport {
  public:
    template <typename... Args>
    explicit WsTransport(TcpSocket s, SslContextPtr ctx, std::shared_ptr<http::HttpService> service,
                         std::size_t header_limit, Args&&... args)
        : ctx_(std::move(ctx)),
          service_(std::move(service)),
          header_limit_(header_limit),
          remote_(endpoint_string(s)),
          peer_(peer_address(s)),
          timer_(s.get_executor()),
          ws_(std::move(s), std::forward<Args>(args)...) {}

    void async_handshake(IoHandlerPtr h) override {
        if constexpr (std::is_same_v<Next, TlsStream>) {
            ws_.next_layer().async_handshake(
                boost::asio::ssl::stream_base::server,
                [this, h = std::move(h)](const boost::system::error_code& ec) mutable {
                    if (ec) return h->on_handshake(ec);
                    read_request(std::move(h));
                });
        } else {
            read_request(std::move(h));
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
        timer_.cancel();
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
    static boost::asio::ip::address peer_address(const TcpSocket& s) {
        boost::system::error_code ec;
        const auto ep = s.remote_endpoint(ec);
        return ec ? boost::asio::ip::address{} : ep.address();
    }

    // Closes the socket's pending operation when `after` passes; `h` keeps the connection alive.
    void arm(std::chrono::steady_clock::duration after, const IoHandlerPtr& h) {
        timed_out_ = false;
        timer_.expires_after(after);
        timer_.async_wait([this, h](const boost::system::error_code& ec) {
            if (ec) return;
            timed_out_ = true;
            boost::system::error_code ignored;
            beast::get_lowest_layer(ws_).cancel(ignored);
        });
    }

    // One request: the WebSocket upgrade (then MQTT), or with an HTTP service a plain request,
    // answered, and then the next one on the same connection.
    void read_request(IoHandlerPtr h) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(header_limit_));
        arm(HttpLimits::kRequestTimeout, h);
        http::bhttp::async_read_header(
            ws_.next_layer(), buffer_, *parser_,
            [this, h = std::move(h)](const boost::system::error_code& ec, std::size_t) mutable {
                on_request(ec, std::move(h));
            });
    }

    void on_request(const boost::system::error_code& ec, IoHandlerPtr h) {
        if (ec) {
            if (!service_) return h->on_handshake(timed_out_ ? boost::asio::error::timed_out : ec);
            if (timed_out_) {
                // Idle between requests: close quietly. Part of a request (slowloris): 408.
                if (buffer_.size() == 0 && !parser_->got_some()) return end_http(std::move(h));
                return send_error(http::bhttp::status::request_timeout, std::move(h));
            }
            if (ec == http::bhttp::error::end_of_stream || ec == boost::asio::error::eof ||
                ec == boost::asio::error::connection_reset)
                return end_http(std::move(h));
            if (ec == http::bhttp::error::header_limit || ec == http::bhttp::error::buffer_overflow)
                return send_error(http::bhttp::status::request_header_fields_too_large, std::move(h));
            if (ec == boost::asio::error::operation_aborted) return end_http(std::move(h));
            return send_error(http::bhttp::status::bad_request, std::move(h));
        }
        timer_.cancel();
        const auto& req = parser_->get();
        if (websocket::is_upgrade(req)) return accept_upgrade(std::move(h));
        if (!service_) return h->on_handshake(websocket::error::no_connection_upgrade);
        if (!parser_->is_done()) {  // a request body: nothing here takes one
            return send_error(
                req.method() == http::bhttp::verb::get || req.method() == http::bhttp::verb::head
                    ? http::bhttp::status::payload_too_large
                    : http::bhttp::status::method_not_allowed,
                std::move(h));
        }
        h->on_progress();
        ++requests_;
        http::Response res = service_->handle(req, peer_);
        const bool close = !req.keep_alive() || requests_ >= HttpLimits::kMaxRequests;
        std::visit(
            [&](auto& r) {
                if (close) r.keep_alive(false);
                send(std::move(r), close, std::move(h));
            },
            res);
    }

    void accept_upgrade(IoHandlerPtr h) {
        const auto& req = parser_->get();
        const auto requested = req[http::bhttp::field::sec_websocket_protocol];
        std::string proto = pick_subprotocol({requested.data(), requested.size()});
        ws_.set_option(websocket::stream_base::decorator([proto](websocket::response_type& res) {
            res.set(http::bhttp::field::server, "tapmqd");
            if (!proto.empty()) res.set(http::bhttp::field::sec_websocket_protocol, proto);
        }));
        ws_.binary(true);
        if (service_) service_->count(101);
        ws_.async_accept(req, [this, h = std::move(h)](const boost::system::error_code& accept_ec) {
            parser_.reset();
            buffer_ = {};
            h->on_handshake(accept_ec);
        });
    }

    void send_error(http::bhttp::status status, IoHandlerPtr h) {
        send(http::error_response(status), true, std::move(h));
    }

    // Writes a response chunk by chunk (a file is never held in memory whole), each chunk within
    // the stall timeout; then the next request, or the end of the connection.
    template <typename Body>
    void send(http::bhttp::response<Body>&& res, bool close, IoHandlerPtr h) {
        struct Out {
            explicit Out(http::bhttp::response<Body>&& r) : res(std::move(r)) {}
            http::bhttp::response<Body> res;
            http::bhttp::serializer<false, Body> sr{res};
        };
        write_some(std::make_shared<Out>(std::move(res)), close, std::move(h));
    }

    template <typename Out>
    void write_some(std::shared_ptr<Out> out, bool close, IoHandlerPtr h) {
        arm(HttpLimits::kWriteStallTimeout, h);
        http::bhttp::async_write_some(
            ws_.next_layer(), out->sr,
            [this, out, close, h = std::move(h)](const boost::system::error_code& ec, std::size_t) mutable {
                if (ec) return h->on_handshake(ec);
                h->on_progress();
                if (!out->sr.is_done()) return write_some(std::move(out), close, std::move(h));
                timer_.cancel();
                service_->count(out->res.result_int());
                if (close) return end_http(std::move(h));
                read_request(std::move(h));
            });
    }

    // Sends FIN, reads and discards what the client still sends (bounded), then reports the end.
    void end_http(IoHandlerPtr h) {
        boost::system::error_code ignored;
        auto& sock = beast::get_lowest_layer(ws_);
        sock.shutdown(TcpSocket::shutdown_send, ignored);
        drain_ = std::make_unique<char[]>(4096);
        drained_ = 0;
        arm(kDrainTime, h);
        drain(std::move(h));
    }
    void drain(IoHandlerPtr h) {
        beast::get_lowest_layer(ws_).async_read_some(
            boost::asio::buffer(drain_.get(), 4096),
            [this, h = std::move(h)](const boost::system::error_code& ec, std::size_t n) mutable {
                drained_ += n;
                if (ec || n == 0 || drained_ >= kDrainBytes) {
                    timer_.cancel();
                    return h->on_handshake(kHttpDone);
                }
                drain(std::move(h));
            });
    }

    SslContextPtr ctx_;
    std::shared_ptr<http::HttpService> service_;  // null: the upgrade only, as before http_dir
    std::size_t header_limit_;                    // request line + headers (websockets_headers_size)
    std::string remote_;
    boost::asio::ip::address peer_;
    boost::asio::steady_timer timer_;
    websocket::stream<Next> ws_;
    beast::flat_buffer buffer_{HttpLimits::kHeaderBytes * 2};
    std::optional<http::bhttp::request_parser<http::bhttp::empty_body>> parser_;
    std::unique_ptr<char[]> drain_;
    std::size_t drained_ = 0;
    std::uint32_t requests_ = 0;
    bool timed_out_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_ws_transport(TcpSocket s, SslContextPtr ctx,
                                             std::shared_ptr<http::HttpService> service,
                                             std::size_t header_limit) {
    if (header_limit == 0) header_limit = http::HttpLimits::kHeaderBytes;
    if (ctx) {
        auto& ctx_ref = *ctx;
        return std::make_unique<WsTransport<TlsStream>>(std::move(s), std::move(ctx), std::move(service),
                                                        header_limit, ctx_ref);
    }
    return std::make_unique<WsTransport<TcpSocket>>(std::move(s), nullptr, std::move(service), header_limit);
}

bool is_http_done(const boost::system::error_code& ec) noexcept {
    return ec == kHttpDone;
}

}  // namespace tapmq::broker
