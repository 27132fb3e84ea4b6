// A listening socket: accepts connections on the control thread and hands each one to a worker,
// enforcing max_connections and the pending handshake limit before any MQTT byte is read.
#pragma once

#include "util/asio.hpp"

#include "listener_settings.hpp"

namespace tapmq::broker {

class Broker;

class Listener {
  public:
    Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
             const boost::asio::ip::tcp::endpoint& endpoint);
    void start();
    void close();
    std::uint16_t port() const;

  private:
    void accept();

    Broker& broker_;
    const ListenerSettings& settings_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace tapmq::broker
