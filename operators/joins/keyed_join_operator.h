// The skeleton the three keyed joins (interval, window, table) share, as a CRTP base:
// the key function of each side, keyed state of one Entry per key (each with a
// KeyWakeups slot named `wakeup`), the watermark, and the handling of batches and
// watermarks. Derived provides
//   void Take(int port, const BatchPtr& batch, Batch<R>& joined);  // one input batch
//   void OnWakeup(typename Table::iterator it, Batch<R>& joined);  // the watermark
//                                                  // passed the key's wake-up time
//   void Restored(const K& key, Entry& entry);     // schedule a restored key again
// and the base emits what they joined, then forwards the watermark.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "sluice/operators/structures/key_wakeups.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/in_memory_state_backend.h"

namespace sluice {

template <class Derived, class K, class KeyA, class KeyB, class Entry, class R>
class KeyedJoinOperator : public Operator {
 public:
  using Table = typename InMemoryStateBackend<K, Entry>::Table;

  KeyedJoinOperator(KeyA key_a, KeyB key_b)
      : key_a_(std::move(key_a)), key_b_(std::move(key_b)) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    state_.set_key_group_count(context.max_key_groups);
    state_.set_on_restore([this](const K& key, Entry& entry) {
      entry.wakeup = {};  // the restored table has no wake-ups queued
      derived().Restored(key, entry);
    });
    return absl::OkStatus();
  }

  KeyedStateBackend* keyed_state() override { return &state_; }

  void ProcessBatch(int port, BatchPtr batch, Output& out) override {
    BatchPtr results = AcquireBatch<R>();
    derived().Take(port, batch, BatchAs<R>(results));
    keys().MaybeSweep();
    out.Emit(std::move(results));
    ReportStateEntries();
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    BatchPtr results = AcquireBatch<R>();
    Batch<R>& joined = BatchAs<R>(results);
    wakeups_.PopDue(watermark_, keys(),
                    [&](typename Table::iterator it) { derived().OnWakeup(it, joined); });
    keys().MaybeSweep();
    out.Emit(std::move(results));
    ReportStateEntries();
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

 protected:
  Table& keys() { return state_.table(); }

  // The key of a left (port 0) or right (port 1) element.
  template <bool kLeft, class T>
  K KeyOf(const T& item) const {
    if constexpr (kLeft) {
      return key_a_(item);
    } else {
      return key_b_(item);
    }
  }

  void CountLate(uint64_t late) {
    if (late > 0 && metrics_ != nullptr) metrics_->late_records.Add(late);
  }

  int64_t watermark_ = kMinWatermark;
  InMemoryStateBackend<K, Entry> state_;
  KeyWakeups<K> wakeups_;

 private:
  Derived& derived() { return static_cast<Derived&>(*this); }
  void ReportStateEntries() {
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys().live());
  }

  KeyA key_a_;
  KeyB key_b_;
  OperatorMetrics* metrics_ = nullptr;
};

}  // namespace sluice
