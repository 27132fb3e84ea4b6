// gzip (RFC 1952) compression of a response body in memory, with zlib.
#pragma once

#include <string>
#include <string_view>

namespace tapmq::broker::http {

// Throws std::runtime_error if zlib fails (out of memory).
std::string gzip_compress(std::string_view data);

}  // namespace tapmq::broker::http
