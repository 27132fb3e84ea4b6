// TLS server contexts built from a listener's Mosquitto directives (certfile, keyfile, cafile,
// capath, crlfile, tls_version, ciphers, ciphers_tls1.3, require_certificate, and TLS-PSK's
// psk_hint with the keys of psk_file). TLS 1.0 and 1.1 are never offered. A context is immutable
// once built; SIGHUP builds a new one for new connections.
#pragma once

#include <boost/asio/ssl.hpp>
#include <memory>
#include <optional>
#include <string>

#include "config.hpp"
#include "security.hpp"

namespace tapmq::broker {

// Throws std::runtime_error naming the file and OpenSSL's reason. With psk_hint, the handshake
// looks the client's PSK identity up in the psk_file of the policy `keys` holds at that moment (a
// SIGHUP that reloads it applies to the next handshake); `keys` must outlive the context.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ListenerConfig& lc, const PolicySlot& keys);

// The PSK identity the client used in this connection's handshake, if it was a PSK one.
std::optional<std::string> psk_identity(SSL* ssl);

// OpenSSL's error queue as text (and cleared), for log lines.
std::string openssl_errors();

}  // namespace tapmq::broker
