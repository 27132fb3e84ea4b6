// The fuzz targets' invariant check: a failed CHECK prints the target's file and line and the
// expression, then aborts, so that libFuzzer keeps the input as a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tapmq::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* expr,
                                      std::string_view detail = {}) {
    std::fprintf(stderr, "%s:%d: CHECK failed: %s %.*s\n", file, line, expr, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

}  // namespace tapmq::fuzz

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) ::tapmq::fuzz::check_failed(__FILE__, __LINE__, #cond); \
    } while (0)
