// A listening socket: accepts connections on the control thread and hands each one to a worker,
// enforcing max_connections and the pending handshake limit before any MQTT byte is read.
#pragma once

#include <atomic>
#include <memory>

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
    void start();
    // Loads certificate, key, CA and CRL again; new connections use them, existing ones keep theirs.
    void reload_tls(const ListenerConfig& config);
    void close();
    std::uint16_t port() const;
    const ListenerSettings& settings() const noexcept { return settings_; }

  private:
    void accept();

    Broker& broker_;
    const ListenerSettings& settings_;
    std::unique_ptr<Transport> make_transport(TcpSocket s, Worker& worker);

    const bool websockets_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // null for plain listeners; control thread only
};

}  // namespace tapmq::broker
