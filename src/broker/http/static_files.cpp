#include "http/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "http/content_type.hpp"
#include "http/gzip.hpp"
#include "http/headers.hpp"
#include "http/request_path.hpp"
#include "http/responses.hpp"

namespace tapmq::broker::http {
namespace fs = std::filesystem;

namespace {

struct FileInfo {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};

std::optional<FileInfo> regular_file(const fs::path& p, bool* is_directory = nullptr) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    if (is_directory) *is_directory = S_ISDIR(st.st_mode);
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    return FileInfo{static_cast<std::uint64_t>(st.st_size),
                    static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// Strong validator of one representation: size and modification time (and the encoding).
std::string etag_of(const FileInfo& f, std::string_view suffix) {
    return fmt::format("\"{:x}-{:x}{}\"", f.size, f.mtime_ns, suffix);
}

bool read_whole(const fs::path& p, std::size_t limit, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad() && out.size() <= limit;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& dir) {
    std::error_code ec;
    root_ = fs::canonical(dir, ec);
    if (ec) throw std::runtime_error("http_dir '" + dir + "': " + ec.message());
    if (!fs::is_directory(root_, ec)) throw std::runtime_error("http_dir '" + dir + "' is not a directory");
    if (::access(root_.c_str(), R_OK | X_OK) != 0) {
        throw std::runtime_error("http_dir '" + dir + "' cannot be read by this user");
    }
}

fs::path StaticFiles::inside(const std::string& rel) const {
    std::error_code ec;
    fs::path real = fs::canonical(root_ / rel, ec);
    if (ec) return {};
    const std::string& r = root_.native();
    const std::string& s = real.native();
    if (s.size() <= r.size() || s.compare(0, r.size(), r) != 0 || (r != "/" && s[r.size()] != '/')) return {};
    return real;
}

Response StaticFiles::serve(const Request& req) const {
    const ResolvedPath rp = resolve_request_path(sv(req.target()));
    if (rp.status != 200) return text_response(req, static_cast<bhttp::status>(rp.status));
    const fs::path file = inside(rp.path);
    bool is_dir = false;
    const std::optional<FileInfo> info = file.empty() ? std::nullopt : regular_file(file, &is_dir);
    if (!info) {
        if (is_dir && !rp.directory) {
            // "/app" naming a directory: its index is at "/app/" (relative links then resolve there).
            auto res = text_response(req, bhttp::status::moved_permanently);
            std::visit(
                [&](auto& r) {
                    r.set(bhttp::field::location, std::string(target_path(sv(req.target()))) + "/");
                },
                res);
            return res;
        }
        return text_response(req, bhttp::status::not_found);
    }

    const ContentType type = content_type_for(rp.path);
    const bool gzip_ok = accepts_gzip(sv(req[bhttp::field::accept_encoding]));
    fs::path body_file = file;
    FileInfo body_info = *info;
    std::string etag = etag_of(*info, "");
    std::string compressed;
    bool gzipped = false;
    if (gzip_ok && type.compressible) {
        if (const fs::path gz = inside(rp.path + ".gz"); !gz.empty()) {
            if (auto gi = regular_file(gz)) {
                body_file = gz;
                body_info = *gi;
                etag = etag_of(*gi, "-gz");
                gzipped = true;
            }
        }
        if (!gzipped && info->size <= kMaxCompressOnTheFly) {
            etag = etag_of(*info, "-gzip");
            gzipped = true;
            body_file.clear();  // compressed below, unless a 304 or HEAD makes it unnecessary
        }
    }

    auto headers = [&](auto& res) {
        res.set(bhttp::field::server, "tapmqd");
        res.set(bhttp::field::etag, etag);
        res.set(bhttp::field::cache_control, "no-cache");
        if (type.compressible) res.set(bhttp::field::vary, "Accept-Encoding");
        res.keep_alive(req.keep_alive());
    };
    if (etag_matches(sv(req[bhttp::field::if_none_match]), etag)) {
        EmptyResponse res{bhttp::status::not_modified, req.version()};
        headers(res);
        return res;
    }
    auto content_headers = [&](auto& res) {
        headers(res);
        res.set(bhttp::field::content_type, bsv(type.mime));
        res.set("X-Content-Type-Options", "nosniff");
        if (gzipped) res.set(bhttp::field::content_encoding, "gzip");
    };

    if (body_file.empty()) {  // gzip on the fly
        std::string plain;
        if (!read_whole(file, kMaxCompressOnTheFly, plain))
            return text_response(req, bhttp::status::not_found);
        compressed = gzip_compress(plain);
        body_info.size = compressed.size();
    }
    if (req.method() == bhttp::verb::head) {
        EmptyResponse res{bhttp::status::ok, req.version()};
        content_headers(res);
        res.content_length(body_info.size);
        return res;
    }
    if (!compressed.empty() || body_file.empty()) {
        StringResponse res{bhttp::status::ok, req.version()};
        content_headers(res);
        res.body() = std::move(compressed);
        res.prepare_payload();
        return res;
    }
    FileResponse res{bhttp::status::ok, req.version()};
    boost::beast::error_code ec;
    res.body().open(body_file.c_str(), boost::beast::file_mode::scan, ec);
    if (ec) return text_response(req, bhttp::status::not_found);
    content_headers(res);
    res.prepare_payload();
    return res;
}

}  // namespace tapmq::broker::http
