#pragma once

namespace tapmq {
inline constexpr const char* kVersion = "0.1.0";
}
