// The serial numbers of a fleet (fleet.hpp).
#include "fleet.hpp"

#include <cstdint>
#include <stdexcept>

namespace tapmq::relay::runtime {
namespace {

// a + b for decimal strings (b small), keeping a's width.
std::string add(const std::string& digits, std::size_t b) {
    std::string r = digits;
    std::size_t carry = b;
    for (std::size_t i = r.size(); i-- > 0 && carry > 0;) {
        const std::size_t d = static_cast<std::size_t>(r[i] - '0') + carry;
        r[i] = static_cast<char>('0' + d % 10);
        carry = d / 10;
    }
    if (carry > 0) r = std::to_string(carry) + r;
    return r;
}

}  // namespace

std::vector<std::string> fleet_serials(const std::string& first, std::size_t n) {
    if (n == 0) throw std::invalid_argument("--fleet needs at least 1 Tap");
    std::size_t end = first.size();
    std::size_t start = end;
    while (start > 0 && first[start - 1] >= '0' && first[start - 1] <= '9')
        --start;
    std::string stem = first.substr(0, start);
    std::string digits = first.substr(start);
    if (digits.empty()) {
        std::size_t width = 4;
        for (std::size_t m = n - 1; m >= 10000; m /= 10)
            ++width;
        digits.assign(width, '0');
    }
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(stem + add(digits, i));
    return out;
}

std::uint64_t seed_of(const std::string& serial) noexcept {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : serial) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace tapmq::relay::runtime
