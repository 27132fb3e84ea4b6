// A listening socket: accepts connections on the control thread and hands each one to a worker,
// enforcing max_connections and the pending handshake limit before any MQTT byte is read. A TCP
// port, or a unix domain socket (listener 0 PATH: plain MQTT; the socket file is made owner and
// group read-write and removed when the listener closes).
#pragma once

#include <atomic>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <optional>
#include <string>

#include "config.hpp"
#include "listener_settings.hpp"
#include "transports.hpp"
#include "util/asio.hpp"

namespace tapmq::broker {

class Broker;
class Worker;

class Listener {
  public:
    // Throws std::runtime_error when the socket cannot be opened or the TLS files cannot be loaded.
    Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
             const ListenerConfig& config, const boost::asio::ip::tcp::endpoint& endpoint);
    // A unix socket listener on `path`. A stale socket file (nothing accepting on it) is replaced;
    // a live one, or another kind of file, is an error.
    Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
             const ListenerConfig& config, const std::string& path);
    ~Listener();
    void start();
    // Loads certificate, key, CA and CRL again; new connections use them, existing ones keep theirs.
    void reload_tls(const ListenerConfig& config);
    void close();
    std::uint16_t port() const;
    const ListenerSettings& settings() const noexcept { return settings_; }

  private:
    void accept();
    void accept_unix();
    // Whether a new connection may come in (max_connections, max_pending_handshakes, shutting
    // down); a refusal is logged and counted.
    bool admit();
    // Counts the connection in and starts it on `worker`.
    void start_connection(Worker& worker, std::unique_ptr<Transport> t);

    Broker& broker_;
    const ListenerSettings& settings_;
    std::unique_ptr<Transport> make_transport(TcpSocket s, Worker& worker);

    const bool websockets_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::optional<boost::asio::local::stream_protocol::acceptor> unix_acceptor_;  // listener 0 PATH
    std::string unix_path_;                                                       // removed at close
    std::shared_ptr<boost::asio::ssl::context> tls_;  // null for plain listeners; control thread only
};

}  // namespace tapmq::broker
