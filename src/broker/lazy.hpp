// A container that costs one pointer while it holds nothing: made on first use, given back by
// trim() once it is empty again. For per-client state that most clients never fill (an idle
// client's queue, inflight window, QoS 2 receive ids, subscription list): an empty
// boost::container::deque alone is 80 bytes, a std::map 48.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace tapmq::broker {

template <class C>
class Lazy {
  public:
    bool empty() const noexcept { return !c_ || c_->empty(); }
    std::size_t size() const noexcept { return c_ ? c_->size() : 0; }

    // The container, made if there is none yet (check empty() first to only look).
    C& operator*() {
        if (!c_) c_ = std::make_unique<C>();
        return *c_;
    }
    C* operator->() { return &**this; }
    // Read-only: null while there is no container.
    const C* get() const noexcept { return c_.get(); }

    // Frees the container if it holds nothing; no iterator into it may be in use.
    void trim() noexcept {
        if (c_ && c_->empty()) c_.reset();
    }
    // Moves the contents out and frees the container.
    C take() {
        if (!c_) return C{};
        C out = std::move(*c_);
        c_.reset();
        return out;
    }

  private:
    std::unique_ptr<C> c_;
};

}  // namespace tapmq::broker
