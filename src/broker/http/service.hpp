// What one websockets listener answers to plain HTTP requests (the WebSocket upgrade is
// ws_transport.cpp's): GET /metrics and /healthz when http_metrics is on and the peer is in
// http_metrics_allow, the files of http_dir otherwise. Shared by the listener's connections on
// every worker: immutable once made, its counters atomic.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/beast.hpp"
#include "http/cidr.hpp"
#include "http/static_files.hpp"

namespace tapmq::broker::http {

// Bounds of one HTTP connection (documented in docs/config.md, "HTTP").
struct HttpLimits {
    static constexpr std::size_t kHeaderBytes = 8 * 1024;          // request line + headers; more: 431
    static constexpr std::uint32_t kMaxRequests = 100;             // per connection, then it closes
    static constexpr std::chrono::seconds kRequestTimeout{10};     // idle or reading a request: 408 / close
    static constexpr std::chrono::seconds kWriteStallTimeout{30};  // a response making no progress
};

class HttpService {
  public:
    struct Settings {
        std::string dir;  // empty: no static files
        bool metrics = false;
        std::vector<Cidr> allow;  // empty: loopback only
    };
    // `render_metrics` gives the Prometheus text of the broker's counters (called per scrape).
    // Throws std::runtime_error when the directory cannot be served.
    HttpService(Settings settings, std::function<std::string()> render_metrics);

    Response handle(const Request& req, const boost::asio::ip::address& peer);
    // Counts a response sent (also the ones sent for unparsable requests).
    void count(unsigned status) noexcept;
    std::array<std::uint64_t, 5> responses_by_class() const noexcept;

  private:
    bool allowed(const boost::asio::ip::address& peer) const;

    Settings settings_;
    std::optional<StaticFiles> files_;
    std::function<std::string()> render_metrics_;
    std::array<std::atomic<std::uint64_t>, 5> responses_{};
};

}  // namespace tapmq::broker::http
