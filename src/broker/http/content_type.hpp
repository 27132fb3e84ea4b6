// Content types of served files, by extension, and which of them are worth compressing.
#pragma once

#include <string_view>

namespace tapmq::broker::http {

struct ContentType {
    std::string_view mime;
    bool compressible;  // text, JSON, JavaScript, SVG, WebAssembly: gzip pays; images and archives do not
};

// By the file name's extension (case-insensitive); application/octet-stream when unknown.
ContentType content_type_for(std::string_view file_name);

}  // namespace tapmq::broker::http
