#include "listener.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "broker.hpp"
#include "connection.hpp"
#include "tcp_transport.hpp"
#include "tls_context.hpp"

namespace tapmq::broker {

Listener::Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
                   const ListenerConfig& config, const boost::asio::ip::tcp::endpoint& endpoint)
    : broker_(broker), settings_(settings), websockets_(config.protocol == "websockets"), acceptor_(control) {
    if (config.tls()) tls_ = make_tls_context(config);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) acceptor_.set_option(boost::asio::ip::v6_only(true));
    if (!config.bind_interface.empty()) {  // only packets that arrive on this interface
        const std::string& name = config.bind_interface;
        if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                         static_cast<socklen_t>(name.size())) != 0) {
            throw std::runtime_error(config.file + ":" + std::to_string(config.line) + ": bind_interface " +
                                     name + ": " + std::strerror(errno));
        }
    }
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
}

std::uint16_t Listener::port() const {
    return acceptor_.local_endpoint().port();
}

void Listener::start() {
    accept();
}

void Listener::reload_tls(const ListenerConfig& config) {
    if (!config.tls()) return;
    try {
        tls_ = make_tls_context(config);
        spdlog::info("Reloaded TLS certificate, key, CA and CRL for {}.", settings_.name);
    } catch (const std::exception& e) {
        spdlog::error("TLS files for {} not reloaded, the previous ones stay: {}", settings_.name, e.what());
    }
}

std::unique_ptr<Transport> Listener::make_transport(TcpSocket s, Worker& worker) {
    if (websockets_) return make_ws_transport(std::move(s), tls_, settings_.http);
    if (tls_) return make_tls_transport(std::move(s), tls_);
    return make_tcp_transport(std::move(s), worker.poller());
}

void Listener::close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

void Listener::accept() {
    Worker& worker = broker_.next_worker();
    acceptor_.async_accept(worker.context(), [this, &worker](const boost::system::error_code& ec,
                                                             TcpSocket socket) {
        if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!ec) {
            const BrokerLimits& limits = broker_.limits();
            boost::system::error_code ignored;
            if (!broker_.accepting()) {
                socket.close(ignored);
            } else if (settings_.max_connections &&
                       settings_.connections.load(std::memory_order_relaxed) >= *settings_.max_connections) {
                spdlog::warn("Refusing connection on {}: max_connections ({}) reached.", settings_.name,
                             *settings_.max_connections);
                Stats::add(broker_.stats().connections_refused);
                settings_.refused.fetch_add(1, std::memory_order_relaxed);
                socket.close(ignored);
            } else if (limits.max_pending_handshakes != 0 &&
                       broker_.pending_handshakes().load(std::memory_order_relaxed) >=
                           limits.max_pending_handshakes) {
                spdlog::warn("Refusing connection on {}: {} connections have not finished CONNECT yet.",
                             settings_.name, limits.max_pending_handshakes);
                Stats::add(broker_.stats().connections_refused);
                settings_.refused.fetch_add(1, std::memory_order_relaxed);
                socket.close(ignored);
            } else {
                if (limits.set_tcp_nodelay) socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
                settings_.connections.fetch_add(1, std::memory_order_relaxed);
                Stats::add(broker_.stats().connections_accepted);
                settings_.accepted.fetch_add(1, std::memory_order_relaxed);
                broker_.pending_handshakes().fetch_add(1, std::memory_order_relaxed);
                auto conn = std::make_shared<Connection>(broker_, worker, settings_,
                                                         make_transport(std::move(socket), worker));
                boost::asio::post(worker.context(), [conn] { conn->start(); });
            }
        } else {
            spdlog::warn("Accept failed on {}: {}.", settings_.name, ec.message());
        }
        accept();
    });
}

}  // namespace tapmq::broker
