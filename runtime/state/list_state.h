// A list per key, optionally with a time to live per element (see state_ttl.h): each
// element expires `ttl` after it was added. Processing time only moves forward, so
// elements expire in the order they were added and expired ones are always a prefix,
// dropped in O(1) amortised.
//
//   sluice::ListState<Purchase> recent;
//   ctx.state().recent.Add(purchase);
//   for (const Purchase& p : ctx.state().recent.Get()) { ... }
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/state/state_ttl.h"

namespace sluice {

template <class T>
class ListState {
 public:
  using value_type = T;

  ListState() = default;
  explicit ListState(StateTtl ttl) : ttl_(ttl) {}

  // The live elements, oldest first. Valid until the list is next changed.
  absl::Span<const T> Get() {
    if (ttl_.enabled()) {
      int64_t now = StateTime::Now();
      DropExpired(now);
      if (ttl_.refresh_on_read()) {
        std::fill(expires_.begin() + static_cast<ptrdiff_t>(head_), expires_.end(),
                  ttl_.ExpiryFrom(now));
        ordered_ = true;
      }
    }
    return absl::MakeConstSpan(values_).subspan(head_);
  }
  void Add(T value) {
    values_.push_back(std::move(value));
    if (ttl_.enabled()) {
      int64_t expires = ttl_.ExpiryFrom(StateTime::Now());
      if (!expires_.empty() && expires < expires_.back()) ordered_ = false;  // restored
      expires_.push_back(expires);
    }
  }
  // Replaces the whole list.
  void Update(std::vector<T> values) {
    Clear();
    for (T& value : values) Add(std::move(value));
  }
  // Removes the elements for which pred(const T&) is true.
  template <class Pred>
  void RemoveIf(Pred pred) {
    size_t kept = 0;
    for (size_t i = head_; i < values_.size(); ++i) {
      if (pred(std::as_const(values_[i]))) continue;
      if (kept != i) {
        values_[kept] = std::move(values_[i]);
        if (ttl_.enabled()) expires_[kept] = expires_[i];
      }
      ++kept;
    }
    values_.resize(kept);
    if (ttl_.enabled()) expires_.resize(kept);
    head_ = 0;
  }
  void Clear() {
    values_.clear();
    expires_.clear();
    head_ = 0;
    ordered_ = true;
  }

  // Whether nothing is stored (expired elements not yet removed still count).
  bool empty() const { return head_ == values_.size(); }

  // Removes the elements expired by `now`; returns when the oldest one left expires.
  int64_t Expire(int64_t now) {
    if (!ttl_.enabled()) return kNeverExpires;
    DropExpired(now);
    if (empty()) return kNeverExpires;
    return ordered_ ? expires_[head_]
                    : *std::min_element(expires_.begin() + static_cast<ptrdiff_t>(head_),
                                        expires_.end());
  }

  void EncodeTo(StateWriter& out) const {
    out.Size(values_.size() - head_);
    for (size_t i = head_; i < values_.size(); ++i) {
      EncodeState(values_[i], out);
      EncodeState(ttl_.enabled() ? expires_[i] : kNeverExpires, out);
    }
  }
  void DecodeFrom(StateReader& in) {
    Clear();
    size_t n = in.Size();
    for (size_t i = 0; i < n && !in.failed(); ++i) {
      DecodeState(in, values_.emplace_back());
      int64_t expires = kNeverExpires;
      DecodeState(in, expires);
      if (ttl_.enabled()) {
        // Written under another TTL (or none): expiries may be out of order.
        if (!expires_.empty() && expires < expires_.back()) ordered_ = false;
        expires_.push_back(expires);
      }
    }
  }

 private:
  void DropExpired(int64_t now) {
    if (!ordered_) {
      RemoveExpiredAnywhere(now);
      return;
    }
    while (head_ < values_.size() && expires_[head_] <= now) ++head_;
    if (head_ == values_.size()) {
      Clear();
    } else if (head_ > 16 && head_ * 2 > values_.size()) {
      values_.erase(values_.begin(), values_.begin() + static_cast<ptrdiff_t>(head_));
      expires_.erase(expires_.begin(), expires_.begin() + static_cast<ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  // After a restore with out-of-order expiries: filters the whole list.
  void RemoveExpiredAnywhere(int64_t now) {
    size_t kept = 0;
    for (size_t i = head_; i < values_.size(); ++i) {
      if (expires_[i] <= now) continue;
      values_[kept] = std::move(values_[i]);
      expires_[kept] = expires_[i];
      ++kept;
    }
    values_.resize(kept);
    expires_.resize(kept);
    head_ = 0;
    if (kept == 0) ordered_ = true;
  }

  std::vector<T> values_;
  std::vector<int64_t> expires_;  // parallel to values_ when a TTL is set
  size_t head_ = 0;               // values_[0, head_) have expired
  bool ordered_ = true;           // expires_ is sorted (always, unless restored)
  StateTtl ttl_;
};

}  // namespace sluice
