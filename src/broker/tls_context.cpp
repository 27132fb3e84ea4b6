#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <stdexcept>

namespace tapmq::broker {

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::string detail = openssl_errors();
    throw std::runtime_error(what + (detail.empty() ? "" : ": " + detail));
}

int min_version(const std::string& v) {
    if (v.empty() || v == "tlsv1.2") return TLS1_2_VERSION;
    if (v == "tlsv1.3") return TLS1_3_VERSION;
    // tlsv1 / tlsv1.1 in a Mosquitto file: refused versions, raised to 1.2.
    return TLS1_2_VERSION;
}

// Where the listener's policy slot hangs on its SSL_CTX, and the identity a PSK handshake used on
// its SSL (a heap string, freed with the SSL).
int slot_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

void free_identity(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<std::string*>(ptr);
}

int identity_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_identity);
    return index;
}

// OpenSSL's PSK server callback, for TLS 1.2 PSK cipher suites and (as an external PSK with
// SHA-256) TLS 1.3: the key of `identity` in the psk_file, or 0 to fail the handshake.
unsigned int psk_server_callback(SSL* ssl, const char* identity, unsigned char* psk, unsigned int max_len) {
    if (identity == nullptr) return 0;
    const auto* slot =
        static_cast<const PolicySlot*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), slot_index()));
    if (slot == nullptr) return 0;
    const auto policy = slot->get();
    if (!policy || !policy->psk) return 0;
    const auto key = policy->psk->key(identity);
    if (!key || key->size() > max_len) return 0;
    std::memcpy(psk, key->data(), key->size());
    auto* old = static_cast<std::string*>(SSL_get_ex_data(ssl, identity_index()));
    delete old;
    SSL_set_ex_data(ssl, identity_index(), new std::string(identity));
    return static_cast<unsigned int>(key->size());
}

}  // namespace

std::optional<std::string> psk_identity(SSL* ssl) {
    const auto* id = static_cast<const std::string*>(SSL_get_ex_data(ssl, identity_index()));
    if (id == nullptr) return std::nullopt;
    return *id;
}

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ListenerConfig& lc,
                                                            const PolicySlot& keys) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(native, min_version(lc.tls_version));  // a minimum, as in Mosquitto

    if (!lc.certfile.empty()) {
        if (SSL_CTX_use_certificate_chain_file(native, lc.certfile.c_str()) != 1) {
            fail("cannot load certfile " + lc.certfile);
        }
        const std::string& key = lc.keyfile.empty() ? lc.certfile : lc.keyfile;
        if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1)
            fail("cannot load keyfile " + key);
        if (SSL_CTX_check_private_key(native) != 1)
            fail("keyfile " + key + " does not match certfile " + lc.certfile);
    }
    if (!lc.psk_hint.empty()) {
        if (SSL_CTX_use_psk_identity_hint(native, lc.psk_hint.c_str()) != 1)
            fail("invalid psk_hint '" + lc.psk_hint + "'");
        SSL_CTX_set_ex_data(native, slot_index(), const_cast<PolicySlot*>(&keys));
        SSL_CTX_set_psk_server_callback(native, psk_server_callback);
    }
    if (!lc.cafile.empty() || !lc.capath.empty()) {
        if (SSL_CTX_load_verify_locations(native, lc.cafile.empty() ? nullptr : lc.cafile.c_str(),
                                          lc.capath.empty() ? nullptr : lc.capath.c_str()) != 1) {
            fail("cannot load cafile/capath " + lc.cafile + lc.capath);
        }
    }
    if (!lc.dhparamfile.empty()) {  // for the DHE cipher suites of TLS 1.2
        BIO* bio = BIO_new_file(lc.dhparamfile.c_str(), "r");
        EVP_PKEY* dh = bio != nullptr ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
        BIO_free(bio);
        if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(native, dh) != 1) {
            EVP_PKEY_free(dh);
            fail("cannot load Diffie-Hellman parameters from dhparamfile " + lc.dhparamfile);
        }
    }
    if (!lc.ciphers.empty() && SSL_CTX_set_cipher_list(native, lc.ciphers.c_str()) != 1) {
        fail("invalid ciphers '" + lc.ciphers + "'");
    }
    if (!lc.ciphers_tls1_3.empty() && SSL_CTX_set_ciphersuites(native, lc.ciphers_tls1_3.c_str()) != 1) {
        fail("invalid ciphers_tls1.3 '" + lc.ciphers_tls1_3 + "'");
    }
    if (!lc.crlfile.empty()) {
        X509_STORE* store = SSL_CTX_get_cert_store(native);
        X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
        if (lookup == nullptr || X509_load_crl_file(lookup, lc.crlfile.c_str(), X509_FILETYPE_PEM) < 1) {
            fail("cannot load crlfile " + lc.crlfile);
        }
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    if (lc.require_certificate) {
        ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    } else if (!lc.cafile.empty() || !lc.capath.empty()) {
        ctx->set_verify_mode(ssl::verify_peer);  // verify a certificate if one is offered
    } else {
        ctx->set_verify_mode(ssl::verify_none);
    }
    return ctx;
}

}  // namespace tapmq::broker
