// UTF-8 validation with MQTT's extra rules (spec 1.5.4): well-formed per RFC 3629 (no overlong forms,
// no surrogates U+D800..U+DFFF, nothing above U+10FFFF) and no U+0000.
#pragma once

#include <string_view>

namespace tapmq::mqtt {

bool is_valid_mqtt_utf8(std::string_view s) noexcept;

}  // namespace tapmq::mqtt
