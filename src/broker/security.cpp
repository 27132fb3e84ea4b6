#include "security.hpp"

#include <ctime>

#include "mqtt/topic.hpp"

namespace tapmq::broker {
namespace {

bool matches_any(const std::vector<std::string>& filters, std::string_view topic) {
    for (const auto& f : filters) {
        if (mqtt::topic_matches(f, topic)) return true;
    }
    return false;
}

// A filter is allowed by a token's subscribe list when it is one of the listed filters or every
// topic it can match is covered by a listed filter (checked by matching the filter as a topic).
bool filter_covered(const std::vector<std::string>& allowed, std::string_view filter) {
    for (const auto& a : allowed) {
        if (a == filter || mqtt::topic_matches(a, filter)) return true;
    }
    return false;
}

std::string_view strip_share(std::string_view filter) {
    return mqtt::is_shared_filter(filter) ? mqtt::split_shared_filter(filter).filter : filter;
}

bool looks_like_jwt(std::string_view s) {
    return std::count(s.begin(), s.end(), '.') == 2 && s.size() > 10;
}

}  // namespace

std::shared_ptr<const SecurityPolicy> SecurityPolicy::load(const SecurityConfig& c) {
    auto p = std::make_shared<SecurityPolicy>();
    p->allow_anonymous = c.allow_anonymous;
    if (!c.password_file.empty()) {
        p->passwords = std::make_shared<auth::PasswordFile>(auth::PasswordFile::load(c.password_file));
    }
    if (!c.acl_file.empty()) {
        auth::AclFile::Options o;
        o.subscribe_check = auth::AclFile::SubscribeCheck::Strict;
        p->acl = std::make_shared<auth::AclFile>(auth::AclFile::load(c.acl_file, o));
    }
    if (!c.psk_file.empty()) p->psk = std::make_shared<auth::PskFile>(auth::PskFile::load(c.psk_file));
    if (!c.auth_scram_file.empty()) {
        auto users = std::make_shared<auth::ScramFile>(auth::ScramFile::load(c.auth_scram_file));
        p->authenticators.push_back(std::make_shared<ScramAuthenticator>(std::move(users)));
    }
    if (!c.auth_jwt_algorithm.empty()) {
        auth::JwtConfig j;
        j.algorithm = *auth::jwt_algorithm_from_string(c.auth_jwt_algorithm);
        j.key_file = c.auth_jwt_key_file;
        if (!c.auth_jwt_audience.empty()) j.audience = c.auth_jwt_audience;
        if (!c.auth_jwt_issuer.empty()) j.issuer = c.auth_jwt_issuer;
        j.username_claim = c.auth_jwt_username_claim;
        j.publish_claim = c.auth_jwt_publish_claim;
        j.subscribe_claim = c.auth_jwt_subscribe_claim;
        p->jwt = std::make_shared<auth::JwtVerifier>(std::move(j));
    }
    return p;
}

const Authenticator* SecurityPolicy::find_authenticator(std::string_view method) const {
    for (const auto& a : authenticators) {
        if (a->method() == method) return a.get();
    }
    return nullptr;
}

bool ClientAccess::can_publish(std::string_view topic) const {
    if (token_pub_ && !matches_any(*token_pub_, topic)) return false;
    auto policy = slot_.get();
    return !policy->acl || policy->acl->allowed(username_, client_id_, topic, auth::Access::Write);
}

bool ClientAccess::can_subscribe(std::string_view filter) const {
    if (token_sub_ && !filter_covered(*token_sub_, strip_share(filter))) return false;
    auto policy = slot_.get();
    return !policy->acl || policy->acl->allowed(username_, client_id_, filter, auth::Access::Subscribe);
}

bool ClientAccess::can_read(std::string_view topic) const {
    if (token_sub_ && !matches_any(*token_sub_, topic)) return false;
    auto policy = slot_.get();
    return !policy->acl || policy->acl->allowed(username_, client_id_, topic, auth::Access::Read);
}

LoginResult login(const SecurityPolicy& policy, std::optional<std::string_view> username,
                  std::optional<std::string_view> password, std::optional<std::string> certificate_user) {
    using R = mqtt::ReasonCode;
    LoginResult r;
    if (certificate_user) {  // certificates only: the verified certificate is the login
        r.username = std::move(certificate_user);
        return r;
    }
    std::string token_error;  // the password looked like a token but was not a valid one
    if (password && policy.jwt && looks_like_jwt(*password)) {
        auto v = policy.jwt->verify(*password, static_cast<std::int64_t>(std::time(nullptr)));
        if (v.ok) {
            r.username = v.username;
            if (v.has_pub) r.token_pub = std::move(v.pub);
            if (v.has_sub) r.token_sub = std::move(v.sub);
            // Valid as long as the CONNECT check would still accept it.
            if (v.exp) r.token_expiry = *v.exp + policy.jwt->config().leeway_s;
            return r;
        }
        // Not a valid token: it may be a password that only looks like one (two dots), which the
        // password file decides.
        if (!username || !policy.passwords) {
            return {R::BadUserNameOrPassword, "token refused: " + v.error, {}, {}, {}, {}};
        }
        token_error = v.error;
    }
    if (username && policy.passwords) {
        if (!password || !policy.passwords->verify(*username, *password)) {
            return {R::BadUserNameOrPassword,
                    token_error.empty() ? "bad user name or password"
                                        : "bad user name or password (token refused: " + token_error + ")",
                    {},
                    {},
                    {},
                    {}};
        }
        r.username = std::string(*username);
        return r;
    }
    if (!policy.allow_anonymous) {
        return {R::NotAuthorized,
                username ? "no way to check this user's credentials" : "anonymous clients are not allowed",
                {},
                {},
                {},
                {}};
    }
    // Anonymous listener without a password file: a user name is taken as given (as Mosquitto).
    if (username) r.username = std::string(*username);
    return r;
}

std::chrono::milliseconds LoginThrottle::record_failure(const std::string& address) {
    using namespace std::chrono;
    std::lock_guard lock(mutex_);
    const auto now = steady_clock::now();
    auto& e = by_address_[address];
    if (now - e.last > minutes(10)) e.failures = 0;
    e.last = now;
    ++e.failures;
    if (by_address_.size() > 100'000) {  // bounded: forget quiet addresses
        std::erase_if(by_address_, [now](const auto& kv) { return now - kv.second.last > minutes(10); });
    }
    const unsigned shift = std::min(e.failures - 1, 7u);
    return std::min(milliseconds(100 << shift), milliseconds(10'000));
}

void LoginThrottle::record_success(const std::string& address) {
    std::lock_guard lock(mutex_);
    by_address_.erase(address);
}

}  // namespace tapmq::broker
