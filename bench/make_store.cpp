// make_store: writes a tapmqd store (persist::Store, the broker's own format) holding many retained
// messages and persistent sessions, to measure how long tapmqd takes to start from it.
//
//   make_store DIR [--retained N] [--payload BYTES] [--sessions N] [--subscriptions-per-session N]
//              [--queued-per-session N]
//
// Retained topics look like "site/<i / 1000>/device/<i % 1000>/state"; session i is client
// "client-<i>" with a Session Expiry of one day, offline since now, subscribed to
// "site/<i % 1000>/device/+/cmd/<k>" (k < subscriptions-per-session) at QoS 1, with
// queued-per-session QoS 1 messages waiting for it. Writes in Os durability and syncs at the end.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "persist/store.hpp"

namespace {

using namespace tapmq::persist;

std::uint64_t arg(int argc, char** argv, const char* name, std::uint64_t def) {
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
    return def;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') {
        std::fprintf(stderr,
                     "usage: make_store DIR [--retained N] [--payload BYTES] [--sessions N]\n"
                     "                  [--subscriptions-per-session N] [--queued-per-session N]\n");
        return 2;
    }
    const std::uint64_t retained = arg(argc, argv, "--retained", 1'000'000);
    const std::uint64_t payload = arg(argc, argv, "--payload", 64);
    const std::uint64_t sessions = arg(argc, argv, "--sessions", 100'000);
    const std::uint64_t subs = arg(argc, argv, "--subscriptions-per-session", 1);
    const std::uint64_t queued = arg(argc, argv, "--queued-per-session", 0);

    const auto start = std::chrono::steady_clock::now();
    StoreOptions o;
    o.dir = argv[1];
    o.durability = Durability::Os;
    auto store = Store::open(o);
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    const std::string body(payload, 'x');

    Batch b;
    auto submit_if_full = [&] {
        if (b.operations() >= 1000) {
            store->submit(std::move(b));
            b = Batch();
            if (store->pending() > 64) store->flush();
        }
    };
    for (std::uint64_t i = 0; i < retained; ++i) {
        StoredMessage m;
        m.topic = "site/" + std::to_string(i / 1000) + "/device/" + std::to_string(i % 1000) + "/state";
        m.payload = body;
        m.qos = 1;
        m.retain = true;
        b.put_retained(m);
        submit_if_full();
    }
    std::uint64_t message_id = 0;
    for (std::uint64_t i = 0; i < sessions; ++i) {
        const std::string client = "client-" + std::to_string(i);
        b.put_session({client, 86400, now_ms});
        for (std::uint64_t k = 0; k < subs; ++k) {
            const std::string filter =
                "site/" + std::to_string(i % 1000) + "/device/+/cmd/" + std::to_string(k);
            b.put_subscription(client, filter, 1, 0);
        }
        for (std::uint64_t q = 0; q < queued; ++q) {
            StoredMessage m;
            m.id = ++message_id;
            m.topic = "site/" + std::to_string(i % 1000) + "/device/1/cmd/0";
            m.payload = body;
            m.qos = 1;
            b.put_message(m);
            StoredOutgoing out;
            out.message_id = m.id;
            out.qos = 1;
            b.put_outgoing(client, q + 1, out);
        }
        submit_if_full();
    }
    store->submit(std::move(b));
    store->flush();
    store.reset();  // syncs the log and closes
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "%s: %llu retained (%llu-byte payloads), %llu sessions x %llu subscriptions, %llu queued each, "
        "written in %.1f s\n",
        argv[1], static_cast<unsigned long long>(retained), static_cast<unsigned long long>(payload),
        static_cast<unsigned long long>(sessions), static_cast<unsigned long long>(subs),
        static_cast<unsigned long long>(queued), s);
    return 0;
}
