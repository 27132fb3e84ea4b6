#include "http/service.hpp"

#include "http/request_path.hpp"
#include "http/responses.hpp"

namespace tapmq::broker::http {

HttpService::HttpService(Settings settings, std::function<std::string()> render_metrics)
    : settings_(std::move(settings)), render_metrics_(std::move(render_metrics)) {
    if (!settings_.dir.empty()) files_.emplace(settings_.dir);
}

bool HttpService::allowed(const boost::asio::ip::address& peer) const {
    if (settings_.allow.empty()) {
        if (peer.is_loopback()) return true;
        return peer.is_v6() && peer.to_v6().is_v4_mapped() &&
               boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6()).is_loopback();
    }
    for (const Cidr& c : settings_.allow)
        if (cidr_contains(c, peer)) return true;
    return false;
}

Response HttpService::handle(const Request& req, const boost::asio::ip::address& peer) {
    const bool get_or_head = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
    const std::string_view path = target_path(sv(req.target()));
    const bool endpoint = settings_.metrics && (path == "/metrics" || path == "/healthz");
    if (!endpoint && !files_) return text_response(req, bhttp::status::not_found);
    if (!get_or_head) {
        auto res = text_response(req, bhttp::status::method_not_allowed);
        std::visit([](auto& r) { r.set(bhttp::field::allow, "GET, HEAD"); }, res);
        return res;
    }
    if (endpoint) {
        if (!allowed(peer)) return text_response(req, bhttp::status::forbidden);
        if (path == "/healthz") return text_response(req, bhttp::status::ok, "ok\n");
        return text_response(req, bhttp::status::ok, render_metrics_(),
                             "text/plain; version=0.0.4; charset=utf-8");
    }
    return files_->serve(req);
}

void HttpService::count(unsigned status) noexcept {
    if (status >= 100 && status < 600) responses_[status / 100 - 1].fetch_add(1, std::memory_order_relaxed);
}

std::array<std::uint64_t, 5> HttpService::responses_by_class() const noexcept {
    std::array<std::uint64_t, 5> out{};
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = responses_[i].load(std::memory_order_relaxed);
    return out;
}

}  // namespace tapmq::broker::http
