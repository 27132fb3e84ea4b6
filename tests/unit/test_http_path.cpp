// From request target to file path (no escape from the served directory), the Accept-Encoding and
// If-None-Match rules, and content types by extension.
#include <gtest/gtest.h>

#include "http/content_type.hpp"
#include "http/headers.hpp"
#include "http/request_path.hpp"

namespace tapmq::broker::http {
namespace {

TEST(HttpPath, DirectoriesNameTheirIndex) {
    auto r = resolve_request_path("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.path, "index.html");
    EXPECT_TRUE(r.directory);
    r = resolve_request_path("/app/?v=2");
    EXPECT_EQ(r.path, "app/index.html");
    EXPECT_TRUE(r.directory);
    r = resolve_request_path("/app");
    EXPECT_EQ(r.path, "app");
    EXPECT_FALSE(r.directory);
}

TEST(HttpPath, QueryFragmentAndEmptySegmentsAreDropped) {
    EXPECT_EQ(resolve_request_path("/a/b.js?x=../../etc/passwd#f").path, "a/b.js");
    EXPECT_EQ(resolve_request_path("//a///b.js").path, "a/b.js");
    EXPECT_EQ(resolve_request_path("/a%20b/c%2Bd.txt").path, "a b/c+d.txt");
    EXPECT_EQ(resolve_request_path("/.well-known/x").path, ".well-known/x");
}

TEST(HttpPath, TraversalAttemptsAreRefused) {
    for (const char* t : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/etc/passwd", "/%2E%2E/x", "/.%2e/x",
                          "/a/%2e%2e%2f%2e%2e/x", "/a%2f..%2fb", "/a/./b", "/a%00.html", "/a%5c..%5cb",
                          "/a\\..\\b", "/%", "/%2", "/%zz", "etc/passwd", "", "http://h/x", "*"}) {
        const auto r = resolve_request_path(t);
        EXPECT_EQ(r.status, 400) << t;
        EXPECT_TRUE(r.path.empty()) << t;
    }
}

TEST(HttpPath, DotFilesAreNotServed) {
    EXPECT_EQ(resolve_request_path("/.htpasswd").status, 404);
    EXPECT_EQ(resolve_request_path("/a/.git/config").status, 404);
    EXPECT_EQ(resolve_request_path("/%2egit/config").status, 404);
}

TEST(HttpHeaders, AcceptEncodingGzip) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("br, gzip;q=0.8, deflate"));
    EXPECT_TRUE(accepts_gzip("GZIP"));
    EXPECT_TRUE(accepts_gzip("*"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("identity"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000"));
    EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
    EXPECT_TRUE(accepts_gzip("gzip;q=0.001"));
    EXPECT_FALSE(accepts_gzip("gzipx"));
}

TEST(HttpHeaders, IfNoneMatch) {
    EXPECT_TRUE(etag_matches("\"a-1\"", "\"a-1\""));
    EXPECT_TRUE(etag_matches("\"x\", W/\"a-1\"", "\"a-1\""));
    EXPECT_TRUE(etag_matches("*", "\"a-1\""));
    EXPECT_FALSE(etag_matches("", "\"a-1\""));
    EXPECT_FALSE(etag_matches("\"a-1-gzip\"", "\"a-1\""));
    EXPECT_FALSE(etag_matches("a-1", "\"a-1\""));
}

TEST(HttpContentType, ByExtension) {
    EXPECT_EQ(content_type_for("index.html").mime, "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("app/main.JS").mime, "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("m.mjs").mime, "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("s.css").mime, "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("i.svg").mime, "image/svg+xml");
    EXPECT_EQ(content_type_for("i.png").mime, "image/png");
    EXPECT_EQ(content_type_for("manifest.webmanifest").mime, "application/manifest+json");
    EXPECT_EQ(content_type_for("d.json").mime, "application/json");
    EXPECT_EQ(content_type_for("x.wasm").mime, "application/wasm");
    EXPECT_EQ(content_type_for("noext").mime, "application/octet-stream");
    EXPECT_EQ(content_type_for("dir.js/file").mime, "application/octet-stream");
    EXPECT_TRUE(content_type_for("a.js").compressible);
    EXPECT_FALSE(content_type_for("a.png").compressible);
}

}  // namespace
}  // namespace tapmq::broker::http
