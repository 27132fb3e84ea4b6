// TLS under a client (OpenSSL 3 through Boost.Asio), with mosquitto_pub/sub's options: the broker's
// certificate chain is verified against --cafile / --capath (or the system's CAs), its name against
// the host the user gave (off only with --insecure), SNI carries that host, and a client certificate
// is offered when --cert/--key are given. A failed handshake is explained in one sentence that says
// what to change (TlsStream::connect_error()).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl.hpp>

#include "stream.hpp"

namespace tapmq::client {

struct TlsOptions {
    std::string ca_file;          // --cafile: PEM CA certificates trusted to sign the broker's certificate
    std::string ca_path;          // --capath: directory of CA certificates named by hash (openssl rehash)
    bool use_os_certs = false;    // --tls-use-os-certs: also trust the system's CAs (always when no
                                  // ca_file or ca_path is given)
    std::string cert_file;        // --cert: PEM client certificate (chain)
    std::string key_file;         // --key: its PEM private key (unencrypted)
    bool verify_hostname = true;  // false with --insecure: the chain is still verified, the name is not
    std::string min_version;      // --tls-version: tlsv1.1, tlsv1.2 (the default) or tlsv1.3, a minimum
    std::string alpn;             // --tls-alpn: protocol offered in ALPN, empty = none
};

// Bad TLS options: a file that cannot be read, a key that does not match its certificate, an
// unknown TLS version. The message names the option and the file.
struct TlsConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// Reads every file now, once; the context is shared by every stream (and reconnection) made with it.
// Throws TlsConfigError.
TlsContextPtr make_tls_context(const TlsOptions& o);

// "tlsv1.2" -> TLS1_2_VERSION; 0 when unknown.
int parse_tls_version(const std::string& name) noexcept;

// Prepares `ssl` for a handshake with `host`: SNI (names only, not addresses) and, when asked, the
// check that the certificate is issued to that name or address.
void prepare_client_handshake(SSL* ssl, const std::string& host, bool verify_hostname);

// The sentence for a read on an established TLS connection that failed because of the broker's TLS
// alert (TLS 1.3 refuses a client certificate after the client's side of the handshake is done), or
// that ended before CONNACK; empty when there is nothing to add to the error code.
std::string describe_tls_read_failure(const boost::system::error_code& ec, std::uint16_t port,
                                      bool before_connack);

// The sentence for a failed TLS handshake with host:port, with what to do about it.
std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& ec, const std::string& host,
                                 std::uint16_t port, bool verify_hostname);

class TlsStream final : public Stream {
  public:
    TlsStream(boost::asio::io_context& io, TlsContextPtr ctx, bool verify_hostname);

    void async_connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, const std::string& host,
                       ConnectHandler h) override;
    void async_read_some(boost::asio::mutable_buffer buf, IoHandler h) override {
        stream_.async_read_some(buf, std::move(h));
    }
    void async_write(boost::asio::const_buffer buf, IoHandler h) override {
        boost::asio::async_write(stream_, buf, std::move(h));
    }
    void shutdown_send() noexcept override;
    void close() noexcept override;
    boost::asio::any_io_executor executor() override { return stream_.get_executor(); }
    std::string connect_error() const override { return connect_error_; }
    std::string explain_read_error(const boost::system::error_code& ec, bool before_connack) const override {
        return describe_tls_read_failure(ec, port_, before_connack);
    }

    using SslStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    // For streams layered above (WebSocket over TLS).
    SslStream& ssl_stream() noexcept { return stream_; }

  private:
    TlsContextPtr ctx_;  // outlives the stream's SSL object
    SslStream stream_;
    bool verify_hostname_;
    std::uint16_t port_ = 0;
    std::string connect_error_;
};

}  // namespace tapmq::client
