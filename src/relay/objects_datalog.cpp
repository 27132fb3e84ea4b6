// Object 1031: the datalog queue. GET //10 the number of records queued (u32); GET //11 the oldest
// record without removing it, POST //11 the oldest record removed from the queue (so it is not also
// published on <prefix>/data; one already in flight there may still arrive once: QoS 1 rules). A
// record is answered as `u64 seq ‖ record bytes` (the runtime's JSON); an empty queue answers 0x45
// with no data. Records hold every logged bundle: a profile needs read rights on every bundle that
// has a datalog period (admin always has them).
#include "objects.hpp"

namespace tapmq::relay::detail {

namespace {

bool reads_every_logged_bundle(const Call& c) {
    for (const tap::Bundle& b : c.project().bundles()) {
        if (b.datalog_period_ms > 0 && !c.project().can_read_bundle(c.profile, b.id)) return false;
    }
    return true;
}

}  // namespace

std::optional<Route> route_datalog(const ProcessorState&, const tap::Path& path) {
    if (path.instance || !path.resource) return std::nullopt;
    if (*path.resource == 10) {
        return Route{kGet, reads_every_logged_bundle,
                     [](Call& c) {
                         expect_empty(c);
                         return content(u32_bytes(static_cast<std::uint32_t>(c.s.datalog.size())));
                     },
                     "the datalog count (/1031//10)"};
    }
    if (*path.resource == 11) {
        return Route{kGet | kPost, reads_every_logged_bundle,
                     [](Call& c) {
                         expect_empty(c);
                         auto record = c.s.datalog.front();
                         if (!record) return content({});
                         if (c.request.method == tap::Method::Post) c.s.datalog.pop_through(record->seq);
                         return content(u64_bytes(record->seq) + record->data);
                     },
                     "the datalog (/1031//11)"};
    }
    return std::nullopt;
}

}  // namespace tapmq::relay::detail
