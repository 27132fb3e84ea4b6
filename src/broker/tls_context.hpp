// TLS server contexts built from a listener's Mosquitto directives (certfile, keyfile, cafile,
// capath, crlfile, tls_version, ciphers, ciphers_tls1.3, require_certificate). TLS 1.0 and 1.1 are
// never offered. A context is immutable once built; SIGHUP builds a new one for new connections.
#pragma once

#include <boost/asio/ssl.hpp>
#include <memory>

#include "config.hpp"

namespace tapmq::broker {

// Throws std::runtime_error naming the file and OpenSSL's reason.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ListenerConfig& lc);

// OpenSSL's error queue as text (and cleared), for log lines.
std::string openssl_errors();

}  // namespace tapmq::broker
