// StaticFiles on a temporary directory: index files, content types, ETag and 304, gzip (a
// precompressed FILE.gz or on the fly), HEAD, redirects for directories, no listings, and no file
// outside the directory reachable through a symbolic link.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "http/gzip.hpp"
#include "http/static_files.hpp"

namespace tapmq::broker::http {
namespace {

namespace fs = std::filesystem;

std::string gunzip(const std::string& in) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    std::string out(in.size() * 1100 + 1024, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    inflateEnd(&z);
    return out;
}

class StaticFilesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("tapmq-http-" + std::to_string(::getpid()));
        fs::remove_all(base_);
        root_ = base_ / "www";
        fs::create_directories(root_ / "sub");
        fs::create_directories(root_ / "empty");
        write("index.html", "<h1>home</h1>");
        js_ = std::string(20000, 'x') + "console.log(1);";
        write("app.js", js_);
        write("style.css", "body{}");
        write("style.css.gz", gzip_compress("body{color:red}"));  // distinguishable from on the fly
        write("logo.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, '\0'));
        write("sub/index.html", "sub");
        std::ofstream(base_ / "secret.txt") << "secret";
        fs::create_symlink(base_ / "secret.txt", root_ / "out.txt");
        fs::create_symlink("/etc", root_ / "etc");
        fs::create_symlink(root_ / "app.js", root_ / "alias.js");
    }
    void TearDown() override { fs::remove_all(base_); }

    void write(const std::string& rel, const std::string& content) {
        std::ofstream(root_ / rel, std::ios::binary) << content;
    }

    Response get(const std::string& target, const std::string& accept_encoding = {},
                 const std::string& if_none_match = {}, bhttp::verb method = bhttp::verb::get) {
        Request req{method, target, 11};
        if (!accept_encoding.empty()) req.set(bhttp::field::accept_encoding, accept_encoding);
        if (!if_none_match.empty()) req.set(bhttp::field::if_none_match, if_none_match);
        return StaticFiles(root_.string()).serve(req);
    }
    static unsigned status(const Response& r) {
        return std::visit([](const auto& m) { return m.result_int(); }, r);
    }
    static std::string header(const Response& r, bhttp::field f) {
        return std::visit([&](const auto& m) { return std::string(m[f]); }, r);
    }
    static std::string body(const Response& r) {
        if (const auto* s = std::get_if<StringResponse>(&r)) return s->body();
        if (const auto* f = std::get_if<FileResponse>(&r)) {
            auto& file = const_cast<FileResponse*>(f)->body().file();
            boost::beast::error_code ec;
            std::string out(static_cast<std::size_t>(file.size(ec)), '\0');
            file.seek(0, ec);
            file.read(out.data(), out.size(), ec);
            return out;
        }
        return {};
    }

    fs::path base_, root_;
    std::string js_;
};

TEST_F(StaticFilesTest, ServesIndexAndFilesWithTheirTypes) {
    auto r = get("/");
    EXPECT_EQ(status(r), 200u);
    EXPECT_EQ(header(r, bhttp::field::content_type), "text/html; charset=utf-8");
    EXPECT_EQ(body(r), "<h1>home</h1>");
    r = get("/logo.png", "gzip");
    EXPECT_EQ(header(r, bhttp::field::content_type), "image/png");
    EXPECT_EQ(header(r, bhttp::field::content_encoding), "");  // images are not compressed
    EXPECT_EQ(body(r).size(), 108u);
    r = get("/sub/");
    EXPECT_EQ(body(r), "sub");
}

TEST_F(StaticFilesTest, DirectoriesRedirectOrAreNotFoundNeverListed) {
    auto r = get("/sub?x=1");
    EXPECT_EQ(status(r), 301u);
    EXPECT_EQ(header(r, bhttp::field::location), "/sub/");
    EXPECT_EQ(status(get("/empty/")), 404u);
    EXPECT_EQ(status(get("/missing.js")), 404u);
}

TEST_F(StaticFilesTest, SymbolicLinksMayNotLeadOutside) {
    EXPECT_EQ(status(get("/out.txt")), 404u);
    EXPECT_EQ(status(get("/etc/passwd")), 404u);
    EXPECT_EQ(status(get("/etc/")), 404u);
    EXPECT_EQ(body(get("/alias.js")), js_);  // a link inside the directory is fine
    EXPECT_EQ(status(get("/../secret.txt")), 400u);
}

TEST_F(StaticFilesTest, ETagAndIfNoneMatch) {
    const auto r = get("/app.js");
    const std::string etag = header(r, bhttp::field::etag);
    ASSERT_FALSE(etag.empty());
    EXPECT_EQ(etag.front(), '"');
    const auto again = get("/app.js", "", etag);
    EXPECT_EQ(status(again), 304u);
    EXPECT_TRUE(std::holds_alternative<EmptyResponse>(again));
    EXPECT_EQ(header(again, bhttp::field::etag), etag);
    EXPECT_EQ(status(get("/app.js", "", "\"other\"")), 200u);
    // The gzip representation has its own tag: the identity one does not validate it.
    const auto gz = get("/app.js", "gzip");
    EXPECT_NE(header(gz, bhttp::field::etag), etag);
    EXPECT_EQ(status(get("/app.js", "gzip", etag)), 200u);
    EXPECT_EQ(status(get("/app.js", "gzip", header(gz, bhttp::field::etag))), 304u);
    // A changed file has a new tag.
    write("app.js", js_ + "//changed");
    EXPECT_EQ(status(get("/app.js", "", etag)), 200u);
}

TEST_F(StaticFilesTest, GzipOnTheFlyAndPrecompressed) {
    auto r = get("/app.js", "gzip, br");
    EXPECT_EQ(header(r, bhttp::field::content_encoding), "gzip");
    EXPECT_EQ(header(r, bhttp::field::vary), "Accept-Encoding");
    EXPECT_LT(body(r).size(), js_.size() / 10);
    EXPECT_EQ(gunzip(body(r)), js_);
    r = get("/style.css", "gzip");
    EXPECT_EQ(header(r, bhttp::field::content_type), "text/css; charset=utf-8");
    EXPECT_EQ(gunzip(body(r)), "body{color:red}");  // the .gz next to it, as it is
    r = get("/style.css");
    EXPECT_EQ(header(r, bhttp::field::content_encoding), "");
    EXPECT_EQ(body(r), "body{}");
}

TEST_F(StaticFilesTest, HeadHasTheHeadersAndNoBody) {
    const auto get_r = get("/app.js", "gzip");
    const auto head_r = get("/app.js", "gzip", "", bhttp::verb::head);
    EXPECT_EQ(status(head_r), 200u);
    EXPECT_TRUE(std::holds_alternative<EmptyResponse>(head_r));
    EXPECT_EQ(header(head_r, bhttp::field::content_length), std::to_string(body(get_r).size()));
    EXPECT_EQ(header(head_r, bhttp::field::etag), header(get_r, bhttp::field::etag));
}

TEST_F(StaticFilesTest, MissingDirectoryIsAnError) {
    EXPECT_THROW(StaticFiles((base_ / "nope").string()), std::runtime_error);
    EXPECT_THROW(StaticFiles((root_ / "index.html").string()), std::runtime_error);
}

}  // namespace
}  // namespace tapmq::broker::http
