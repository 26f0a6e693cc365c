// One value per key, optionally with a time to live (see state_ttl.h). A member of a
// keyed process function's State:
//
//   sluice::ValueState<int64_t> last_amount;
//   ...
//   if (const int64_t* last = ctx.state().last_amount.Get()) { ... }
//   ctx.state().last_amount.Set(txn.amount);
#pragma once

#include <cstdint>
#include <utility>

#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_ttl.h"

namespace sluice {

// T: default-constructible.
template <class T>
class ValueState {
 public:
  using value_type = T;

  ValueState() = default;
  explicit ValueState(StateTtl ttl) : ttl_(ttl) {}

  // The value, or nullptr when it was never set, was cleared or has expired.
  const T* Get() {
    if (!present_) return nullptr;
    if (ttl_.enabled()) {
      int64_t now = StateTime::Now();
      if (now >= expires_) {
        Clear();
        return nullptr;
      }
      if (ttl_.refresh_on_read()) expires_ = ttl_.ExpiryFrom(now);
    }
    return &value_;
  }
  T value_or(T fallback) {
    const T* value = Get();
    return value != nullptr ? *value : std::move(fallback);
  }
  void Set(T value) {
    value_ = std::move(value);
    present_ = true;
    Touch();
  }
  // The value for update in place, default-constructed if absent; counts as a write.
  T& Mutable() {
    Get();  // drops an expired value
    present_ = true;
    Touch();
    return value_;
  }
  void Clear() {
    value_ = T{};  // releases what the value holds
    present_ = false;
  }

  // Whether nothing is stored (an expired value not yet removed still counts).
  bool empty() const { return !present_; }

  // Removes the value if it expired by `now`; returns when what is left expires.
  int64_t Expire(int64_t now) {
    if (!present_ || !ttl_.enabled()) return kNeverExpires;
    if (now >= expires_) {
      Clear();
      return kNeverExpires;
    }
    return expires_;
  }

  // The time to live comes from the code that declares the state, not the snapshot.
  void EncodeTo(StateWriter& out) const {
    uint8_t present = present_ ? 1 : 0;
    out.Bytes(&present, 1);
    if (present_) {
      EncodeState(value_, out);
      EncodeState(expires_, out);
    }
  }
  void DecodeFrom(StateReader& in) {
    uint8_t present = 0;
    in.Bytes(&present, 1);
    if (present > 1) in.Fail();
    Clear();
    present_ = present == 1;
    if (present_) {
      DecodeState(in, value_);
      DecodeState(in, expires_);
    }
  }

 private:
  void Touch() {
    if (ttl_.enabled()) expires_ = ttl_.ExpiryFrom(StateTime::Now());
  }

  T value_{};  // T{} when !present_ (std::optional trips GCC 12 warnings)
  bool present_ = false;
  StateTtl ttl_;
  int64_t expires_ = kNeverExpires;
};

}  // namespace sluice
