// Small plain-text responses (errors, redirects, /healthz): the status line's reason as the body.
#pragma once

#include <string>

#include "http/beast.hpp"

namespace tapmq::broker::http {

// `body` defaults to the reason phrase and a newline; HEAD gets the headers alone.
Response text_response(const Request& req, bhttp::status status, std::string body = {},
                       std::string_view content_type = "text/plain; charset=utf-8");

// For errors found before a request could be parsed (431, 400, 408): HTTP/1.1, closing.
StringResponse error_response(bhttp::status status);

}  // namespace tapmq::broker::http
