#include "topology.hpp"

#include <stdexcept>

namespace tapmq::cli::bench {

void apply_scenario_defaults(BenchOptions& o) {
    auto set = [](int& v, int def) {
        if (v < 0) v = def;
    };
    if (o.scenario == "p2p") {
        set(o.pairs, o.pubs > 0 ? o.pubs : 100);
        o.pubs = o.subs = o.pairs;
    } else if (o.scenario == "fanout") {
        set(o.pubs, 2);
        set(o.subs, 50);
    } else if (o.scenario == "fanin") {
        set(o.pubs, 100);
        set(o.subs, o.shared_group.empty() ? 1 : 4);
    } else if (o.scenario == "conn") {
        o.pubs = o.subs = 0;
        return;
    } else {
        throw std::invalid_argument("unknown scenario '" + o.scenario + "' (p2p, fanout, fanin or conn)");
    }
    if (o.pubs <= 0 || o.subs <= 0)
        throw std::invalid_argument("--pubs, --subs and --pairs must be positive");
    if (!o.shared_group.empty() && o.scenario != "fanin") {
        throw std::invalid_argument("--shared applies to the fanin scenario");
    }
}

Topology make_topology(const BenchOptions& o, const std::string& run_id) {
    Topology t;
    const std::string base = o.topic_prefix + "/" + run_id + "/" + o.scenario;
    const auto pubs = static_cast<unsigned>(o.pubs);
    const auto subs = static_cast<unsigned>(o.subs);
    if (o.scenario == "p2p") {
        for (unsigned i = 0; i < pubs; ++i) {
            t.publisher_topics.push_back(base + "/" + std::to_string(i));
            t.subscriber_filters.push_back(base + "/" + std::to_string(i));
        }
        t.deliveries_per_message = 1;
    } else if (o.scenario == "fanout") {
        t.publisher_topics.assign(pubs, base);
        t.subscriber_filters.assign(subs, base);
        t.deliveries_per_message = subs;
    } else {
        for (unsigned i = 0; i < pubs; ++i)
            t.publisher_topics.push_back(base + "/" + std::to_string(i));
        t.shared = !o.shared_group.empty();
        const std::string filter =
            (t.shared ? "$share/" + o.shared_group + "/" : std::string()) + base + "/+";
        t.subscriber_filters.assign(subs, filter);
        t.deliveries_per_message = t.shared ? 1 : subs;
    }
    return t;
}

}  // namespace tapmq::cli::bench
