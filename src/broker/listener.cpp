#include "listener.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "broker.hpp"
#include "connection.hpp"
#include "stats.hpp"
#include "tcp_transport.hpp"
#include "tls_context.hpp"

namespace tapmq::broker {

Listener::Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
                   const ListenerConfig& config, const boost::asio::ip::tcp::endpoint& endpoint)
    : broker_(broker), settings_(settings), websockets_(config.protocol == "websockets"), acceptor_(control) {
    if (config.tls()) tls_ = make_tls_context(config, settings.security);
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

Listener::Listener(Broker& broker, boost::asio::io_context& control, const ListenerSettings& settings,
                   const ListenerConfig& config, const std::string& path)
    : broker_(broker), settings_(settings), websockets_(false), acceptor_(control) {
    namespace local = boost::asio::local;
    const auto where = [&config, &path] {
        return config.file + ":" + std::to_string(config.line) + ": listener 0 " + path + ": ";
    };
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw std::runtime_error(where() +
                                     "the file exists and is not a socket; remove it or choose another path");
        // Left by a broker that did not exit cleanly, unless something still accepts on it.
        local::stream_protocol::socket probe(control);
        boost::system::error_code ec;
        probe.connect(local::stream_protocol::endpoint(path), ec);
        if (!ec) throw std::runtime_error(where() + "another process is listening on this socket");
        ::unlink(path.c_str());
    }
    local::stream_protocol::acceptor a(control);
    boost::system::error_code ec;
    a.open(local::stream_protocol(), ec);
    if (!ec) a.bind(local::stream_protocol::endpoint(path), ec);
    if (ec) throw std::runtime_error(where() + ec.message());
    unix_path_ = path;
    // Owner and group may connect (connecting needs write permission on the file); give the
    // clients' users that group, or the broker's.
    if (::chmod(path.c_str(), 0660) != 0)
        throw std::runtime_error(where() + "cannot set the socket's permissions: " + std::strerror(errno));
    a.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error(where() + ec.message());
    unix_acceptor_.emplace(std::move(a));
}

Listener::~Listener() {
    close();
}

std::uint16_t Listener::port() const {
    if (unix_acceptor_) return 0;
    return acceptor_.local_endpoint().port();
}

void Listener::start() {
    if (unix_acceptor_) {
        accept_unix();
    } else {
        accept();
    }
}

void Listener::reload_tls(const ListenerConfig& config) {
    if (!config.tls()) return;
    try {
        tls_ = make_tls_context(config, settings_.security);
        spdlog::info("Reloaded TLS certificate, key, CA and CRL for {}.", settings_.name);
    } catch (const std::exception& e) {
        spdlog::error("TLS files for {} not reloaded, the previous ones stay: {}", settings_.name, e.what());
    }
}

std::unique_ptr<Transport> Listener::make_transport(TcpSocket s, Worker& worker) {
    if (websockets_)
        return make_ws_transport(std::move(s), tls_, settings_.http,
                                 broker_.limits().websockets_headers_size);
    if (tls_) return make_tls_transport(std::move(s), tls_);
    return make_tcp_transport(std::move(s), worker.poller());
}

void Listener::close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (unix_acceptor_) unix_acceptor_->close(ec);
    if (!unix_path_.empty()) {
        ::unlink(unix_path_.c_str());
        unix_path_.clear();
    }
}

bool Listener::admit() {
    const BrokerLimits& limits = broker_.limits();
    if (!broker_.accepting()) return false;
    if (settings_.max_connections &&
        settings_.connections.load(std::memory_order_relaxed) >= *settings_.max_connections) {
        spdlog::warn("Refusing connection on {}: max_connections ({}) reached.", settings_.name,
                     *settings_.max_connections);
    } else if (limits.max_pending_handshakes != 0 &&
               broker_.pending_handshakes().load(std::memory_order_relaxed) >=
                   limits.max_pending_handshakes) {
        spdlog::warn("Refusing connection on {}: {} connections have not finished CONNECT yet.",
                     settings_.name, limits.max_pending_handshakes);
    } else {
        return true;
    }
    Stats::add(broker_.stats().connections_refused);
    settings_.refused.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void Listener::start_connection(Worker& worker, std::unique_ptr<Transport> t) {
    settings_.connections.fetch_add(1, std::memory_order_relaxed);
    Stats::add(broker_.stats().connections_accepted);
    settings_.accepted.fetch_add(1, std::memory_order_relaxed);
    broker_.pending_handshakes().fetch_add(1, std::memory_order_relaxed);
    auto conn = std::make_shared<Connection>(broker_, worker, settings_, std::move(t));
    boost::asio::post(worker.context(), [conn] { conn->start(); });
}

void Listener::accept_unix() {
    Worker& worker = broker_.next_worker();
    unix_acceptor_->async_accept(
        worker.context(), [this, &worker](const boost::system::error_code& ec,
                                          boost::asio::local::stream_protocol::socket socket) {
            if (ec == boost::asio::error::operation_aborted || !unix_acceptor_->is_open()) return;
            if (ec) {
                spdlog::warn("Accept failed on {}: {}.", settings_.name, ec.message());
            } else if (admit()) {
                boost::system::error_code ignored;
                const int fd = socket.release(ignored);  // -1 on failure: the handshake reports it
                start_connection(worker, std::make_unique<TcpTransport>(ignored ? -1 : fd, worker.poller()));
            }
            accept_unix();
        });
}

void Listener::accept() {
    Worker& worker = broker_.next_worker();
    acceptor_.async_accept(worker.context(),
                           [this, &worker](const boost::system::error_code& ec, TcpSocket socket) {
                               if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open())
                                   return;
                               if (!ec) {
                                   boost::system::error_code ignored;
                                   if (!admit()) {
                                       socket.close(ignored);
                                   } else {
                                       if (broker_.limits().set_tcp_nodelay)
                                           socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
                                       start_connection(worker, make_transport(std::move(socket), worker));
                                   }
                               } else {
                                   spdlog::warn("Accept failed on {}: {}.", settings_.name, ec.message());
                               }
                               accept();
                           });
}

}  // namespace tapmq::broker
