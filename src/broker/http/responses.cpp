#include "http/responses.hpp"

namespace tapmq::broker::http {
namespace {

template <typename Res>
void common(Res& res, std::string_view content_type) {
    res.set(bhttp::field::server, "tapmqd");
    res.set(bhttp::field::content_type, bsv(content_type));
    res.set(bhttp::field::cache_control, "no-store");
}

}  // namespace

Response text_response(const Request& req, bhttp::status status, std::string body,
                       std::string_view content_type) {
    if (body.empty()) body = std::string(bhttp::obsolete_reason(status)) + "\n";
    if (req.method() == bhttp::verb::head) {
        EmptyResponse res{status, req.version()};
        common(res, content_type);
        res.content_length(body.size());
        res.keep_alive(req.keep_alive());
        return res;
    }
    StringResponse res{status, req.version()};
    common(res, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    res.keep_alive(req.keep_alive());
    return res;
}

StringResponse error_response(bhttp::status status) {
    StringResponse res{status, 11};
    common(res, "text/plain; charset=utf-8");
    res.body() = std::string(bhttp::obsolete_reason(status)) + "\n";
    res.prepare_payload();
    res.keep_alive(false);
    return res;
}

}  // namespace tapmq::broker::http
