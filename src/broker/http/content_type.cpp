#include "http/content_type.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace tapmq::broker::http {
namespace {

struct Entry {
    std::string_view ext;
    ContentType type;
};

constexpr std::array kTypes{
    Entry{"html", {"text/html; charset=utf-8", true}},
    Entry{"htm", {"text/html; charset=utf-8", true}},
    Entry{"js", {"text/javascript; charset=utf-8", true}},
    Entry{"mjs", {"text/javascript; charset=utf-8", true}},
    Entry{"css", {"text/css; charset=utf-8", true}},
    Entry{"json", {"application/json", true}},
    Entry{"map", {"application/json", true}},
    Entry{"webmanifest", {"application/manifest+json", true}},
    Entry{"svg", {"image/svg+xml", true}},
    Entry{"wasm", {"application/wasm", true}},
    Entry{"txt", {"text/plain; charset=utf-8", true}},
    Entry{"csv", {"text/csv; charset=utf-8", true}},
    Entry{"xml", {"application/xml", true}},
    Entry{"png", {"image/png", false}},
    Entry{"jpg", {"image/jpeg", false}},
    Entry{"jpeg", {"image/jpeg", false}},
    Entry{"gif", {"image/gif", false}},
    Entry{"webp", {"image/webp", false}},
    Entry{"ico", {"image/x-icon", true}},
    Entry{"woff", {"font/woff", false}},
    Entry{"woff2", {"font/woff2", false}},
    Entry{"pdf", {"application/pdf", false}},
    Entry{"gz", {"application/gzip", false}},
    Entry{"zip", {"application/zip", false}},
};

}  // namespace

ContentType content_type_for(std::string_view file_name) {
    const auto slash = file_name.rfind('/');
    if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    const auto dot = file_name.rfind('.');
    if (dot != std::string_view::npos && dot + 1 < file_name.size()) {
        std::string ext(file_name.substr(dot + 1));
        std::transform(ext.begin(), ext.end(), ext.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (const auto& e : kTypes)
            if (e.ext == ext) return e.type;
    }
    return {"application/octet-stream", false};
}

}  // namespace tapmq::broker::http
