#include "tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace tapmq::client {

namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

namespace {

// The reason of OpenSSL's most recent error, or of a boost::system error from Asio's SSL wrappers.
std::string openssl_reason(const boost::system::error_code& ec) {
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e != 0) {
        const char* reason = ERR_reason_error_string(e);
        if (reason) return reason;
    }
    return ec.message();
}

void check_readable(const std::string& path, const char* option, bool directory) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw TlsConfigError(std::string("cannot read ") + option + " " + path + ": " + std::strerror(errno));
    }
    if (directory != S_ISDIR(st.st_mode)) {
        throw TlsConfigError(std::string(option) + " " + path +
                             (directory ? " is not a directory" : " is a directory"));
    }
    if (::access(path.c_str(), R_OK) != 0) {
        throw TlsConfigError(std::string("cannot read ") + option + " " + path + ": " + std::strerror(errno));
    }
}

bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

bool contains(const std::string& haystack, const char* needle) {
    std::string h = haystack;
    std::transform(h.begin(), h.end(), h.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return h.find(needle) != std::string::npos;
}

}  // namespace

int parse_tls_version(const std::string& name) noexcept {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (n == "tlsv1.3") return TLS1_3_VERSION;
    if (n == "tlsv1.2") return TLS1_2_VERSION;
    if (n == "tlsv1.1") return TLS1_1_VERSION;
    return 0;
}

TlsContextPtr make_tls_context(const TlsOptions& o) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    int min_version = TLS1_2_VERSION;
    if (!o.min_version.empty()) {
        min_version = parse_tls_version(o.min_version);
        if (min_version == 0) {
            throw TlsConfigError("unknown --tls-version '" + o.min_version +
                                 "' (use tlsv1.3, tlsv1.2 or tlsv1.1)");
        }
    }
    if (min_version < TLS1_2_VERSION) {
        // OpenSSL 3's default security level refuses TLS 1.1 whatever the minimum says.
        SSL_CTX_set_security_level(native, 0);
    }
    SSL_CTX_set_min_proto_version(native, min_version);

    boost::system::error_code ec;
    if (!o.ca_file.empty()) {
        check_readable(o.ca_file, "--cafile", false);
        ctx->load_verify_file(o.ca_file, ec);
        if (ec) {
            throw TlsConfigError("cannot load --cafile " + o.ca_file + ": " + openssl_reason(ec) +
                                 " (a PEM file of CA certificates is expected)");
        }
    }
    if (!o.ca_path.empty()) {
        check_readable(o.ca_path, "--capath", true);
        ctx->add_verify_path(o.ca_path, ec);
        if (ec) {
            throw TlsConfigError("cannot use --capath " + o.ca_path + ": " + openssl_reason(ec));
        }
    }
    if (o.use_os_certs || (o.ca_file.empty() && o.ca_path.empty())) {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            throw TlsConfigError("cannot load the system's CA certificates: " + openssl_reason(ec));
        }
    }
    if (o.cert_file.empty() != o.key_file.empty()) {
        throw TlsConfigError("--cert and --key go together: give both or neither");
    }
    if (!o.cert_file.empty()) {
        check_readable(o.cert_file, "--cert", false);
        check_readable(o.key_file, "--key", false);
        ctx->use_certificate_chain_file(o.cert_file, ec);
        if (ec) {
            throw TlsConfigError("cannot load --cert " + o.cert_file + ": " + openssl_reason(ec));
        }
        ctx->use_private_key_file(o.key_file, ssl::context::pem, ec);
        if (ec) {
            throw TlsConfigError("cannot load --key " + o.key_file + ": " + openssl_reason(ec) +
                                 " (an unencrypted PEM key is expected)");
        }
        if (SSL_CTX_check_private_key(native) != 1) {
            ERR_clear_error();
            throw TlsConfigError("--key " + o.key_file + " is not the key of --cert " + o.cert_file);
        }
    }
    if (!o.alpn.empty()) {
        if (o.alpn.size() > 255) throw TlsConfigError("--tls-alpn protocol name longer than 255 bytes");
        std::string wire;
        wire += static_cast<char>(o.alpn.size());
        wire += o.alpn;
        SSL_CTX_set_alpn_protos(native, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size()));
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

void prepare_client_handshake(SSL* s, const std::string& host, bool verify_hostname) {
    const bool ip = is_ip_address(host);
    if (!ip) SSL_set_tlsext_host_name(s, host.c_str());
    if (!verify_hostname) return;
    if (ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), host.c_str());
    } else {
        SSL_set1_host(s, host.c_str());
    }
}

std::string describe_tls_failure(SSL* s, const boost::system::error_code& ec, const std::string& host,
                                 std::uint16_t port, bool verify_hostname) {
    std::string what = "TLS handshake with " + host + ":" + std::to_string(port) + " failed: ";
    const long verify = SSL_get_verify_result(s);
    if (verify != X509_V_OK) {
        what += "certificate verify failed (";
        what += X509_verify_cert_error_string(verify);
        what += ")";
        switch (verify) {
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
            case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            case X509_V_ERR_CERT_UNTRUSTED:
                what += "; give --cafile with the CA that signed the broker's certificate";
                break;
            case X509_V_ERR_HOSTNAME_MISMATCH:
            case X509_V_ERR_IP_ADDRESS_MISMATCH:
                what +=
                    "; the broker's certificate is not issued to '" + host +
                    "': connect with a name the certificate has, or give --insecure to skip the name check";
                break;
            case X509_V_ERR_CERT_HAS_EXPIRED:
            case X509_V_ERR_CERT_NOT_YET_VALID:
                what += "; check the broker's certificate dates and this machine's clock";
                break;
            default:
                break;
        }
        return what;
    }
    (void)verify_hostname;
    std::string reason =
        ec.category() == boost::asio::error::get_ssl_category() ? openssl_reason(ec) : ec.message();
    if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) {
        reason = "the broker closed the connection";
    }
    what += reason;
    if (contains(reason, "wrong version number") || contains(reason, "packet length too long") ||
        contains(reason, "record layer failure")) {
        what += "; is port " + std::to_string(port) + " a TLS listener?";
    } else if (contains(reason, "certificate required")) {
        what += "; the broker wants a client certificate: give --cert and --key";
    } else if (contains(reason, "protocol version") || contains(reason, "unsupported protocol")) {
        what += "; the broker and --tls-version have no TLS version in common";
    }
    return what;
}

std::string describe_tls_read_failure(const boost::system::error_code& ec, std::uint16_t port,
                                      bool before_connack) {
    if (ec.category() == boost::asio::error::get_ssl_category()) {
        std::string reason = openssl_reason(ec);
        std::string what = "the broker ended the TLS connection: " + reason;
        if (contains(reason, "certificate required")) {
            what += "; it wants a client certificate: give --cert and --key";
        } else if (contains(reason, "unknown ca") || contains(reason, "bad certificate") ||
                   contains(reason, "certificate expired") || contains(reason, "certificate revoked") ||
                   contains(reason, "unsupported certificate")) {
            what += "; it does not accept the client certificate given with --cert";
        }
        return what;
    }
    if (before_connack &&
        (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated)) {
        return "the broker closed the connection before CONNACK; if port " + std::to_string(port) +
               " is a WebSocket listener, give --ws";
    }
    return {};
}

TlsStream::TlsStream(boost::asio::io_context& io, TlsContextPtr ctx, bool verify_hostname)
    : ctx_(std::move(ctx)), stream_(io, *ctx_), verify_hostname_(verify_hostname) {}

void TlsStream::async_connect(const std::vector<tcp::endpoint>& endpoints, const std::string& host,
                              ConnectHandler h) {
    boost::asio::async_connect(
        stream_.lowest_layer(), endpoints,
        [this, host, h = std::move(h)](const boost::system::error_code& ec, const tcp::endpoint& ep) mutable {
            if (ec) {
                h(ec);
                return;
            }
            boost::system::error_code ignored;
            stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
            port_ = ep.port();
            prepare_client_handshake(stream_.native_handle(), host, verify_hostname_);
            stream_.async_handshake(
                ssl::stream_base::client,
                [this, host, port = ep.port(), h = std::move(h)](const boost::system::error_code& hec) {
                    if (hec && hec != boost::asio::error::operation_aborted) {
                        connect_error_ =
                            describe_tls_failure(stream_.native_handle(), hec, host, port, verify_hostname_);
                    }
                    h(hec);
                });
        });
}

void TlsStream::shutdown_send() noexcept {
    // TLS has no half close; the TCP FIN after the DISCONNECT is what the broker needs to close.
    boost::system::error_code ec;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
}

void TlsStream::close() noexcept {
    boost::system::error_code ec;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    stream_.lowest_layer().close(ec);
}

}  // namespace tapmq::client
