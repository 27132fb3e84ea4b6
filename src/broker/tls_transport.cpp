#include <openssl/x509.h>

#include "tls_context.hpp"
#include "transports.hpp"

namespace tapmq::broker {

std::string endpoint_string(const boost::asio::ip::tcp::endpoint& ep) {
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string endpoint_string(const TcpSocket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return "unknown";
    return endpoint_string(ep);
}

std::optional<PeerIdentity> identity_of(SSL* ssl) {
    if (auto psk = psk_identity(ssl)) return PeerIdentity{*psk, *psk};  // a PSK handshake's identity
    if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) return std::nullopt;
    PeerIdentity id;
    X509_NAME* name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx >= 0) {
        ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
        unsigned char* utf8 = nullptr;
        int len = ASN1_STRING_to_UTF8(&utf8, data);
        if (len > 0) id.common_name.assign(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
        OPENSSL_free(utf8);
    }
    if (BIO* bio = BIO_new(BIO_s_mem())) {
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
        char* text = nullptr;
        long len = BIO_get_mem_data(bio, &text);
        if (len > 0) id.subject.assign(text, static_cast<std::size_t>(len));
        BIO_free(bio);
    }
    X509_free(cert);
    return id;
}

namespace {

class TlsTransport final : public Transport {
  public:
    TlsTransport(TcpSocket s, SslContextPtr ctx)
        : ctx_(std::move(ctx)),
          stream_(std::move(s), *ctx_),
          remote_(endpoint_string(stream_.next_layer())) {}

    void async_handshake(IoHandlerPtr h) override {
        stream_.async_handshake(
            boost::asio::ssl::stream_base::server,
            [h = std::move(h)](const boost::system::error_code& ec) { h->on_handshake(ec); });
    }
    void async_read_some(boost::asio::mutable_buffer buf, IoHandlerPtr h) override {
        stream_.async_read_some(buf, [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) {
            h->on_read(ec, n);
        });
    }
    void async_write(boost::asio::const_buffer buf, IoHandlerPtr h) override {
        boost::asio::async_write(
            stream_, buf,
            [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) { h->on_written(ec, n); });
    }
    void shutdown_send() noexcept override {
        boost::system::error_code ec;  // records already written; no close_notify, the FIN says it
        stream_.next_layer().shutdown(TcpSocket::shutdown_send, ec);
    }
    void close() noexcept override {
        boost::system::error_code ec;
        stream_.next_layer().shutdown(TcpSocket::shutdown_both, ec);
        stream_.next_layer().close(ec);
    }
    std::string remote_address() const override { return remote_; }
    std::optional<PeerIdentity> peer_identity() override { return identity_of(stream_.native_handle()); }
    const char* kind() const noexcept override { return "tls"; }

  private:
    SslContextPtr ctx_;  // the context this connection was accepted with (a reload makes a new one)
    boost::asio::ssl::stream<TcpSocket> stream_;
    std::string remote_;
};

}  // namespace

std::unique_ptr<Transport> make_tls_transport(TcpSocket s, SslContextPtr ctx) {
    return std::make_unique<TlsTransport>(std::move(s), std::move(ctx));
}

}  // namespace tapmq::broker
