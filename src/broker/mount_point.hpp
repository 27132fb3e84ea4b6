// Mosquitto's mount_point: a listener whose clients live under a topic prefix. Their topics and
// filters get the prefix on the way in (PUBLISH, will, SUBSCRIBE, UNSUBSCRIBE: the broker, its ACLs
// and its retained messages see the full topic) and lose it on the way out (Connection::send_publish
// leaves the prefix out of the bytes written). Plain concatenation, as Mosquitto's: "site1/" and
// "t" give "site1/t". Pure code.
#pragma once

#include <string>
#include <string_view>

#include "mqtt/topic.hpp"

namespace tapmq::broker {

// The topic name as the broker knows it.
inline std::string mounted_topic(std::string_view mount, std::string_view topic) {
    std::string full;
    full.reserve(mount.size() + topic.size());
    full.append(mount).append(topic);
    return full;
}

// The filter as the broker knows it. A shared subscription keeps its "$share/{group}/" in front, so
// it stays shared: "$share/g/site1/t" (Mosquitto 2.0 writes "site1/$share/g/t", which is no longer a
// shared subscription). Precondition: `filter` is a valid filter.
inline std::string mounted_filter(std::string_view mount, std::string_view filter) {
    if (!mqtt::is_shared_filter(filter)) return mounted_topic(mount, filter);
    const auto sf = mqtt::split_shared_filter(filter);
    std::string full = "$share/";
    full.append(sf.group).append("/").append(mount).append(sf.filter);
    return full;
}

// Whether a topic the broker knows can be shown to a client under `mount` (it must be below it and
// longer, as Mosquitto's send__publish checks).
inline bool under_mount(std::string_view mount, std::string_view topic) noexcept {
    return topic.size() > mount.size() && topic.starts_with(mount);
}

}  // namespace tapmq::broker
