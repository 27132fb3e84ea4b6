// The request headers the static file server negotiates with, parsed (pure).
#pragma once

#include <string_view>

namespace tapmq::broker::http {

// Accept-Encoding (RFC 9110 12.5.3) allows "gzip" (or "*") with a non-zero q value.
bool accepts_gzip(std::string_view accept_encoding);

// If-None-Match (RFC 9110 13.1.2): "*", or a list of entity tags one of which equals `etag` under
// the weak comparison (a W/ prefix on either side is ignored).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace tapmq::broker::http
