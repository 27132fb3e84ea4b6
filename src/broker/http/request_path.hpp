// From a request target to a file path inside the served directory, pure: no file system access.
// The file system checks (symbolic links leading out, what exists) are static_files.cpp's.
#pragma once

#include <string>
#include <string_view>

namespace tapmq::broker::http {

struct ResolvedPath {
    int status = 200;        // 200: `path` is valid; 400 or 404 otherwise
    std::string path;        // relative, '/'-separated, no empty, "." or ".." segment
    bool directory = false;  // the target ended with '/': `path` is its index.html
};

// `target` is the request-target of an origin-form request ("/a/b.js?x=1"). Query and fragment are
// dropped; each segment is percent-decoded on its own, so an encoded '/' or '.' ("%2f", "%2e%2e")
// cannot form a separator or a dot segment. Refused with 400: not starting with '/', a malformed
// escape, a NUL, a backslash, an encoded '/', a "." or ".." segment. Refused with 404: a segment
// starting with '.' other than ".well-known" (dot files are private by convention).
// "/" and "/dir/" name "index.html" and "dir/index.html".
ResolvedPath resolve_request_path(std::string_view target);

// The path part of a target: up to '?' or '#'.
std::string_view target_path(std::string_view target);

}  // namespace tapmq::broker::http
