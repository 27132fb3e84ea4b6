// The files of one http_dir, served as Mosquitto's http_dir serves them (GET and HEAD, index.html
// for a directory, no listings), with content types, ETag / If-None-Match and gzip.
//
// Nothing outside the directory is reachable: the target is checked first (request_path.hpp),
// then the file's real path (symbolic links resolved) must lie inside the directory's real path.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "http/beast.hpp"

namespace tapmq::broker::http {

class StaticFiles {
  public:
    // Files up to this size of a compressible type are gzipped per request when the client accepts
    // it and no precompressed FILE.gz is next to them; larger ones are sent as they are.
    static constexpr std::size_t kMaxCompressOnTheFly = 1024 * 1024;

    // Throws std::runtime_error when `dir` is not a readable directory.
    explicit StaticFiles(const std::string& dir);

    // The response to a GET or HEAD (the caller answers other methods).
    Response serve(const Request& req) const;

    const std::filesystem::path& root() const noexcept { return root_; }

  private:
    // The real path of root_/rel if it is inside root_ (empty otherwise, or when it does not exist).
    std::filesystem::path inside(const std::string& rel) const;

    std::filesystem::path root_;  // canonical
};

}  // namespace tapmq::broker::http
