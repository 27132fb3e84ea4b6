// The embedded Sensor Demo project (the bytes come from the generated sensor_demo_json.cpp).
#include "sensor_demo.hpp"

#include <cstddef>

namespace tapmq::tap {

namespace detail {
extern const unsigned char kSensorDemoJson[];
extern const std::size_t kSensorDemoJson_size;
}  // namespace detail

std::string_view sensor_demo_json() noexcept {
    return {reinterpret_cast<const char*>(detail::kSensorDemoJson), detail::kSensorDemoJson_size};
}

const Project& sensor_demo_project() {
    static const Project project = Project::parse(sensor_demo_json(), "sensor_demo.json");
    return project;
}

}  // namespace tapmq::tap
