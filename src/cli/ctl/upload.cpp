// Files sent to a Tap in resumable parts, with a progress bar (upload.hpp).
#include "upload.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include "outcome.hpp"

namespace tapmq::cli::ctl {

namespace {

std::string human_bytes(double n) {
    char buf[32];
    if (n >= 1024.0 * 1024.0) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", n / (1024.0 * 1024.0));
    } else if (n >= 1024.0) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f B", n);
    }
    return buf;
}

void draw_bar(const std::string& what, std::size_t done, std::size_t total, double rate) {
    const int width = 30;
    const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    const int fill = static_cast<int>(f * width);
    const double left = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\r%s [%s%s] %3.0f%% %s/%s %s/s %02d:%02d left ", what.c_str(),
                 std::string(static_cast<std::size_t>(fill), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - fill), ' ').c_str(), f * 100,
                 human_bytes(static_cast<double>(done)).c_str(),
                 human_bytes(static_cast<double>(total)).c_str(), human_bytes(rate).c_str(),
                 static_cast<int>(left) / 60, static_cast<int>(left) % 60);
    std::fflush(stderr);
}

}  // namespace

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

std::string sha256(const std::string& data) {
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), 32);
}

std::pair<std::uint32_t, std::uint32_t> upload_progress(const std::string& d) {
    if (d.size() < 8)
        throw CtlError(kCtlTapError,
                       "the Tap's upload status is " + std::to_string(d.size()) + " bytes, 8 expected");
    auto u32 = [&d](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i)
            v = (v << 8) | static_cast<unsigned char>(d[at + i]);
        return v;
    };
    return {u32(0), u32(4)};
}

UploadResult upload_in_parts(Context& c, const tap::Path& path, const std::string& data,
                             std::size_t part_size, const std::string& what) {
    if (data.empty() || data.size() >= 0xFFFFFFFFu)
        throw CtlError(kCtlBadInput, what + ": the file is empty or too large");
    const auto total = static_cast<std::uint32_t>(data.size());
    const auto t0 = std::chrono::steady_clock::now();
    c.tap.expect({tap::Method::Put, path, std::string(4, '\xFF') + be32(total) + sha256(data)},
                 what + " start");
    // Resume where the Tap is (a start with the same size and hash keeps what it received).
    const auto [size, next] =
        upload_progress(c.tap.expect({tap::Method::Get, path, {}}, what + " progress").data);
    if (size != total)
        throw CtlError(kCtlTapError, what + ": the Tap reports " + std::to_string(size) +
                                         " bytes expected, not " + std::to_string(total));
    UploadResult result;
    result.resumed_at = next;
    if (next > 0) std::fprintf(stderr, "%s: resuming at byte %u of %u\n", what.c_str(), next, total);
    const bool bar = isatty(STDERR_FILENO) != 0;
    std::size_t offset = next;
    auto last_draw = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    while (offset < data.size()) {
        const std::size_t n = std::min(part_size, data.size() - offset);
        const auto r = c.tap.call(
            {tap::Method::Put, path, be32(static_cast<std::uint32_t>(offset)) + data.substr(offset, n)});
        if (!tap::is_success(r.code)) {
            if (bar) std::fputc('\n', stderr);
            c.tap.check(r, what + " part at " + std::to_string(offset));
        }
        offset += n;
        const auto now = std::chrono::steady_clock::now();
        if (bar && (now - last_draw > std::chrono::milliseconds(100) || offset == data.size())) {
            const double secs = std::chrono::duration<double>(now - t0).count();
            draw_bar(what, offset, data.size(), secs > 0 ? static_cast<double>(offset - next) / secs : 0);
            last_draw = now;
        }
        if (c.session.interrupted())
            throw CtlError(kCtlNetwork, "interrupted at byte " + std::to_string(offset) +
                                            "; run the same command again to resume");
    }
    if (bar) std::fputc('\n', stderr);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = result.seconds > 0 ? static_cast<double>(data.size() - next) / result.seconds : 0;
    std::fprintf(stderr, "%s: %s sent in %.2f s (%s/s)\n", what.c_str(),
                 human_bytes(static_cast<double>(data.size() - next)).c_str(), result.seconds,
                 human_bytes(rate).c_str());
    return result;
}

}  // namespace tapmq::cli::ctl
