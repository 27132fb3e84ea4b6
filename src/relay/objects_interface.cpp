// Object 1024, resources 9, 10 and 50 to 58: the application name, the configuration version and
// the MQTT relay settings (reading the password and netkey, and every write, need admin).
#include "objects.hpp"

namespace tapmq::relay::detail {

std::optional<Route> route_interface(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    if (*path.resource == 9) {
        return Route{kGet, anyone,
                     [](Call& c) {
                         expect_empty(c);
                         return content(c.project().application().name);
                     },
                     "the application name (/1024//9)"};
    }
    if (*path.resource == 10) {
        return Route{kGet, anyone,
                     [](Call& c) {
                         expect_empty(c);
                         return content(u32_bytes(c.project().application().config_version));
                     },
                     "the configuration version (/1024//10)"};
    }
    auto field = relay_field(*path.resource);
    if (!field) return std::nullopt;
    const RelayField f = *field;
    return Route{
        kGet | kPut,
        [f](const Call& c) { return c.admin() || (c.request.method == tap::Method::Get && !is_secret(f)); },
        [f](Call& c) {
            if (c.request.method == tap::Method::Get) {
                expect_empty(c);
                tap::RelaySettings r = c.s.relay.apply(c.project().relay());
                std::string v = RelaySettingsStore::encode(r, f);
                if (f != RelayField::Port && f != RelayField::Host && f != RelayField::Netkey)
                    v = tap::expand_serial(v, c.s.identity.serial);
                return content(std::move(v));
            }
            if (auto e = RelaySettingsStore::check(f, c.payload(), c.s.relay.apply(c.project().relay())))
                tap::bad_request("relay settings: " + *e);
            c.s.relay.set(f, c.payload());
            c.s.hooks.relay_settings_changed();
            return changed();
        },
        "the relay setting " + std::string(name(f)) + " (" + path.to_string() + ")"};
}

}  // namespace tapmq::relay::detail
