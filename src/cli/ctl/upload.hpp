// Sending a file in parts to a Tap, the way both the firmware package (/5//0) and a configuration
// (/1024//11) travel (layouts in src/relay/firmware_update.hpp and config_upload.hpp): a start part
// `FF FF FF FF ‖ u32 size ‖ SHA-256`, then `u32 offset ‖ bytes` from the next missing offset the Tap
// reports (so a broken transfer resumes where it stopped), with a progress line on a terminal.
#pragma once

#include <cstdint>
#include <string>

#include "context.hpp"

namespace tapmq::cli::ctl {

struct UploadResult {
    std::uint32_t resumed_at = 0;  // the offset the Tap already had (0: from the start)
    double seconds = 0;
};

// Throws CtlError for a refused part (with the Tap's reason) and everything call() throws.
// `progress` output goes to stderr when it is a terminal.
UploadResult upload_in_parts(Context& c, const tap::Path& path, const std::string& data,
                             std::size_t part_size, const std::string& what);

// "u32 ‖ u32" of a GET on the upload resource: total size and next missing offset.
std::pair<std::uint32_t, std::uint32_t> upload_progress(const std::string& data);

std::string be32(std::uint32_t v);
std::string sha256(const std::string& data);

}  // namespace tapmq::cli::ctl
