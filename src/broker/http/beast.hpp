// Boost.Beast's HTTP headers, with the one warning of theirs GCC 12 raises under the sanitizers
// (see ws_transport.cpp), and the response types the HTTP service answers with.
#pragma once

#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <string_view>
#include <variant>

namespace tapmq::broker::http {

namespace bhttp = boost::beast::http;

// Boost 1.74's Beast has its own string_view type.
inline std::string_view sv(boost::beast::string_view s) noexcept {
    return {s.data(), s.size()};
}
inline boost::beast::string_view bsv(std::string_view s) noexcept {
    return {s.data(), s.size()};
}

using Request = bhttp::request<bhttp::empty_body>;
using StringResponse = bhttp::response<bhttp::string_body>;
using FileResponse = bhttp::response<bhttp::file_body>;    // streamed from disk in chunks
using EmptyResponse = bhttp::response<bhttp::empty_body>;  // HEAD and 304: headers only
using Response = std::variant<StringResponse, FileResponse, EmptyResponse>;

}  // namespace tapmq::broker::http
