// Netkey sealing: HKDF-SHA256 (OpenSSL EVP_KDF), AES-128-GCM (EVP) and the replay guard.
#include "seal.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

#include "bytes.hpp"

namespace tapmq::tap {

namespace {

struct KdfDeleter {
    void operator()(EVP_KDF* p) const noexcept { EVP_KDF_free(p); }
    void operator()(EVP_KDF_CTX* p) const noexcept { EVP_KDF_CTX_free(p); }
    void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};

constexpr std::string_view kInfoToTap = "tapmq netkey v1 to-tap";
constexpr std::string_view kInfoFromTap = "tapmq netkey v1 from-tap";
constexpr std::size_t kNonceSize = 12;

const unsigned char* u8p(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string encode_header(const SealHeader& h) {
    std::string out;
    out.reserve(kSealHeaderSize);
    detail::put_u8(out, h.version);
    detail::put_u8(out, h.direction);
    detail::put_u32(out, h.sender);
    detail::put_u64(out, h.counter);
    detail::put_u32(out, h.time);
    return out;
}

// Nonce = sender ‖ counter = header bytes 2..13.
std::string_view nonce_of(std::string_view header) {
    return header.substr(2, kNonceSize);
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, KdfDeleter>;

CipherCtx gcm_context(const SealKey& key, std::string_view nonce, bool encrypt) {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) != 1 ||
        EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), u8p(nonce), -1) != 1) {
        throw std::runtime_error("AES-128-GCM initialisation failed");
    }
    return ctx;
}

bool add_aad(EVP_CIPHER_CTX* ctx, std::string_view aad) {
    if (aad.empty()) return true;
    int len = 0;
    return EVP_CipherUpdate(ctx, nullptr, &len, u8p(aad), static_cast<int>(aad.size())) == 1;
}

}  // namespace

SealKey derive_key(std::string_view netkey, std::string_view serial, Direction direction) {
    if (netkey.empty()) throw std::invalid_argument("derive_key: empty netkey");
    std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (!kdf) throw std::runtime_error("OpenSSL has no HKDF");
    std::unique_ptr<EVP_KDF_CTX, KdfDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx) throw std::runtime_error("EVP_KDF_CTX_new failed");
    const std::string_view info = direction == Direction::ToTap ? kInfoToTap : kInfoFromTap;
    char digest[] = "SHA256";
    OSSL_PARAM params[5];
    std::size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(netkey.data()),
                                                    netkey.size());
    // No salt parameter for an empty serial: HKDF then uses HashLen zero bytes, as an empty salt would.
    if (!serial.empty()) {
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(serial.data()),
                                                        serial.size());
    }
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size());
    params[n] = OSSL_PARAM_construct_end();
    SealKey key{};
    if (EVP_KDF_derive(ctx.get(), key.data(), key.size(), params) != 1) {
        throw std::runtime_error("HKDF-SHA256 derivation failed");
    }
    return key;
}

std::string seal_frame(const SealKey& key, const SealHeader& header, std::string_view topic,
                       std::string_view plaintext) {
    if (plaintext.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) - kSealOverhead) {
        throw std::length_error("seal_frame: plaintext too large");
    }
    std::string out = encode_header(header);
    const std::string aad = out + std::string(topic);
    auto ctx = gcm_context(key, nonce_of(out), true);
    out.resize(kSealHeaderSize + plaintext.size() + kSealTagSize);
    auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + kSealHeaderSize;
    int len = 0;
    if (!add_aad(ctx.get(), aad) ||
        (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), cipher, &len, u8p(plaintext),
                                                 static_cast<int>(plaintext.size())) != 1) ||
        EVP_EncryptFinal_ex(ctx.get(), cipher + plaintext.size(), &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kSealTagSize),
                            cipher + plaintext.size()) != 1) {
        throw std::runtime_error("AES-128-GCM encryption failed");
    }
    return out;
}

bool parse_seal_header(std::string_view frame, SealHeader& header) {
    if (frame.size() < kSealOverhead) return false;
    detail::Reader r(frame.substr(0, kSealHeaderSize));
    header.version = r.u8("version");
    header.direction = r.u8("direction");
    header.sender = r.u32("sender");
    header.counter = r.u64("counter");
    header.time = r.u32("time");
    return true;
}

bool open_frame(const SealKey& key, std::string_view frame, std::string_view topic, std::string& plaintext) {
    if (frame.size() < kSealOverhead) return false;
    const std::string_view header = frame.substr(0, kSealHeaderSize);
    const std::string_view cipher = frame.substr(kSealHeaderSize, frame.size() - kSealOverhead);
    std::string tag(frame.substr(frame.size() - kSealTagSize));
    std::string aad(header);
    aad += topic;
    auto ctx = gcm_context(key, nonce_of(header), false);
    std::string out(cipher.size(), '\0');
    int len = 0;
    if (!add_aad(ctx.get(), aad)) return false;
    if (!cipher.empty() && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                                             u8p(cipher), static_cast<int>(cipher.size())) != 1) {
        return false;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kSealTagSize), tag.data()) !=
        1) {
        return false;
    }
    unsigned char final_block[16];
    if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) return false;
    plaintext = std::move(out);
    return true;
}

Sealer::Sealer(const SealKey& key, Direction direction)
    : key_(key), direction_(direction), sender_(0), next_(1) {
    while (sender_ == 0) {
        unsigned char b[4];
        if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed");
        sender_ =
            (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    }
}

Sealer::Sealer(const SealKey& key, Direction direction, std::uint32_t sender, std::uint64_t first_counter)
    : key_(key), direction_(direction), sender_(sender), next_(first_counter) {
    if (sender == 0) throw std::invalid_argument("Sealer: sender 0");
    if (first_counter == 0) throw std::invalid_argument("Sealer: counter 0");
}

std::string Sealer::seal(std::string_view topic, std::string_view plaintext, std::int64_t now) {
    if (now < 0 || now > std::numeric_limits<std::uint32_t>::max()) {
        throw std::out_of_range("Sealer: time does not fit the header's u32");
    }
    if (next_ == 0) throw std::out_of_range("Sealer: counter exhausted");
    SealHeader h;
    h.direction = static_cast<std::uint8_t>(direction_);
    h.sender = sender_;
    h.counter = next_;
    h.time = static_cast<std::uint32_t>(now);
    std::string frame = seal_frame(key_, h, topic, plaintext);
    ++next_;  // wraps to 0 after 2^64 - 1 frames: refused above
    return frame;
}

std::string_view name(OpenStatus status) noexcept {
    switch (status) {
        case OpenStatus::Accepted:
            return "accepted";
        case OpenStatus::TooShort:
            return "too short for a sealed frame";
        case OpenStatus::BadVersion:
            return "unknown sealing version";
        case OpenStatus::WrongDirection:
            return "wrong direction";
        case OpenStatus::ZeroSender:
            return "sender is 0";
        case OpenStatus::ZeroCounter:
            return "counter is 0";
        case OpenStatus::StaleTime:
            return "time too far from now";
        case OpenStatus::BehindWindow:
            return "counter behind the replay window";
        case OpenStatus::Replayed:
            return "replayed";
        case OpenStatus::SenderTableFull:
            return "sender table full";
        case OpenStatus::BadTag:
            return "tag does not verify (wrong netkey, topic or altered frame)";
    }
    return "unknown";
}

OpenStatus ReplayGuard::check(std::uint32_t sender, std::uint64_t counter, std::int64_t now) {
    auto it = senders_.find(sender);
    if (it != senders_.end() && now <= it->second.expires_at) {
        const SenderState& s = it->second;
        if (counter > s.highest) return OpenStatus::Accepted;
        const std::uint64_t behind = s.highest - counter;
        if (behind >= kReplayWindow) return OpenStatus::BehindWindow;
        if ((s.seen >> behind) & 1u) return OpenStatus::Replayed;
        return OpenStatus::Accepted;
    }
    if (it == senders_.end() && senders_.size() >= options_.max_senders) {
        expire(now);
        if (senders_.size() >= options_.max_senders) return OpenStatus::SenderTableFull;
    }
    return OpenStatus::Accepted;
}

void ReplayGuard::accept(std::uint32_t sender, std::uint64_t counter, std::uint32_t header_time,
                         std::int64_t now) {
    const std::int64_t until = std::max<std::int64_t>(header_time, now) + options_.max_skew_s;
    auto [it, inserted] = senders_.try_emplace(sender);
    SenderState& s = it->second;
    if (inserted || now > s.expires_at) {
        s = SenderState{counter, 1, until};
        return;
    }
    if (counter > s.highest) {
        const std::uint64_t shift = counter - s.highest;
        s.seen = shift >= kReplayWindow ? 1 : (s.seen << shift) | 1;
        s.highest = counter;
    } else {
        s.seen |= std::uint64_t{1} << (s.highest - counter);
    }
    s.expires_at = std::max(s.expires_at, until);
}

void ReplayGuard::expire(std::int64_t now) {
    std::erase_if(senders_, [now](const auto& entry) { return now > entry.second.expires_at; });
}

Opened Opener::open(std::string_view frame, std::string_view topic, std::int64_t now) {
    Opened r;
    if (!parse_seal_header(frame, r.header)) return r;  // TooShort
    const SealHeader& h = r.header;
    auto refuse = [&r](OpenStatus s) {
        r.status = s;
        return r;
    };
    if (h.version != kSealVersion) return refuse(OpenStatus::BadVersion);
    if (h.direction != static_cast<std::uint8_t>(expected_)) return refuse(OpenStatus::WrongDirection);
    if (h.sender == 0) return refuse(OpenStatus::ZeroSender);
    if (h.counter == 0) return refuse(OpenStatus::ZeroCounter);
    const std::int64_t skew = static_cast<std::int64_t>(h.time) - now;
    if (skew > options_.max_skew_s || skew < -options_.max_skew_s) return refuse(OpenStatus::StaleTime);
    if (const OpenStatus s = guard_.check(h.sender, h.counter, now); s != OpenStatus::Accepted)
        return refuse(s);
    if (!open_frame(key_, frame, topic, r.plaintext)) return refuse(OpenStatus::BadTag);
    guard_.accept(h.sender, h.counter, h.time, now);
    r.status = OpenStatus::Accepted;
    return r;
}

}  // namespace tapmq::tap
