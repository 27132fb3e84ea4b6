// Boost.Asio, included the one way the project does it.
#pragma once

#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>

#include <boost/asio.hpp>
