#include "durability.hpp"

#include <chrono>

namespace tapmq::broker {
namespace {

thread_local Durability::Scope* tls_scope = nullptr;

}  // namespace

std::int64_t Durability::to_unix_ms(Clock::time_point t) {
    using namespace std::chrono;
    const auto offset = system_clock::now().time_since_epoch() - Clock::now().time_since_epoch();
    return duration_cast<milliseconds>(t.time_since_epoch() + offset).count();
}

Durability::~Durability() {
    if (store_) store_->flush();
}

void Durability::drain() noexcept {
    try {
        if (store_) store_->flush();
    } catch (const std::exception&) {
        // A failed store (already logged by its on_failure): its batches never complete.
    }
    decltype(durable_.waiters) durable_waiters;
    decltype(submitted_.waiters) submitted_waiters;
    {
        std::lock_guard lock(mutex_);
        durable_waiters.swap(durable_.waiters);
        submitted_waiters.swap(submitted_.waiters);
    }
}

Durability::Scope::Scope(Durability* d) : d_(d), outer_(tls_scope) {
    if (d_ == nullptr) return;
    std::lock_guard lock(d_->mutex_);
    seq_ = d_->next_seq_++;
    tls_scope = this;
}

Durability::Scope::~Scope() {
    if (d_ == nullptr) return;
    tls_scope = outer_;
    Durability* d = d_;
    const std::uint64_t seq = seq_;
    if (batch_.empty()) {
        d->completed(seq);
    } else {
        d->store_->submit(std::move(batch_), [d, seq] { d->completed(seq); });
        d->submitted(seq);
    }
}

persist::Batch* Durability::batch() noexcept {
    return tls_scope ? &tls_scope->batch_ : nullptr;
}

std::uint64_t Durability::current_seq() noexcept {
    return tls_scope ? tls_scope->seq_ : 0;
}

void Durability::submit(persist::Batch&& b) {
    if (!b.empty()) store_->submit(std::move(b));
}

void Durability::reach(Watermark& w, std::uint64_t seq, std::vector<std::function<void()>>& ready) {
    std::uint64_t watermark = w.value.load(std::memory_order_relaxed);
    if (seq <= watermark) return;  // durable before this thread marked it submitted
    w.early.insert(seq);
    while (!w.early.empty() && *w.early.begin() == watermark + 1) {
        w.early.erase(w.early.begin());
        ++watermark;
    }
    w.value.store(watermark, std::memory_order_release);
    auto end = w.waiters.upper_bound(watermark);
    for (auto it = w.waiters.begin(); it != end; ++it)
        ready.push_back(std::move(it->second));
    w.waiters.erase(w.waiters.begin(), end);
}

void Durability::submitted(std::uint64_t seq) {
    std::vector<std::function<void()>> ready;
    {
        std::lock_guard lock(mutex_);
        reach(submitted_, seq, ready);
    }
    for (auto& f : ready)
        f();
}

void Durability::completed(std::uint64_t seq) {
    std::vector<std::function<void()>> ready;
    {
        std::lock_guard lock(mutex_);
        reach(submitted_, seq, ready);  // durable implies submitted
        reach(durable_, seq, ready);
    }
    for (auto& f : ready)
        f();
}

void Durability::wait(Watermark& w, std::uint64_t seq, std::function<void()> f) {
    {
        std::lock_guard lock(mutex_);
        if (seq > w.value.load(std::memory_order_relaxed)) {
            w.waiters.emplace(seq, std::move(f));
            return;
        }
    }
    f();
}

persist::MessageView Durability::to_view(const Message& m, std::uint64_t id) {
    persist::MessageView v;
    v.id = id;
    v.topic = m.topic();
    v.payload = m.publish.payload();
    v.qos = static_cast<std::uint8_t>(m.qos);
    v.retain = m.retain;
    v.properties = m.publish.property_block();
    if (m.expires_at) v.expires_at_unix_ms = to_unix_ms(*m.expires_at);
    return v;
}

persist::StoredMessage Durability::to_stored(const Message& m, std::uint64_t id) {
    return to_view(m, id).stored();
}

void Durability::reference(const Message& m, persist::Batch& b) {
    if (m.durable_refs.fetch_add(1, std::memory_order_acq_rel) == 0) {
        std::uint64_t id = m.durable_id.load(std::memory_order_relaxed);
        if (id == 0) {
            // A new id: if the message is delivered and acknowledged before the group commit that
            // carries it, the record and its erase cancel out there and never reach the log.
            id = next_message_id();
            m.durable_id.store(id, std::memory_order_relaxed);
            b.create_message(to_view(m, id));
        } else {
            b.put_message(to_view(m, id));  // restored from the store, or stored before
        }
    }
}

void Durability::unreference(const Message& m, persist::Batch& b) {
    if (m.durable_refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        b.erase_message(m.durable_id.load(std::memory_order_relaxed));
    }
}

}  // namespace tapmq::broker
