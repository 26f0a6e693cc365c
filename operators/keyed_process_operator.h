// A keyed process function: user code that sees each event of a key with that key's
// state, and sets event-time timers that call it back when the watermark passes
// them (as Flink's KeyedProcessFunction):
//
//   struct Rule {
//     struct State { int64_t count = 0; };
//     void ProcessElement(const Txn& txn, sluice::KeyedContext<uint64_t, State, Alert>&
//     ctx); void OnTimer(int64_t time, sluice::KeyedContext<uint64_t, State, Alert>&
//     ctx);
//   };
//   keyed.Process<Alert>(Rule{});
//
// State is one value of the function's State type per key, created on first use.
// A key whose state was cleared and that has no timer left is dropped.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "operators/event_time_timers.h"
#include "operators/keyed_state_table.h"
#include "operators/require_event_time.h"
#include "runtime/batch_pool.h"
#include "runtime/event_time.h"
#include "runtime/operator.h"
#include "runtime/processing_clock.h"

namespace sluice {

// What a process function sees of its key: the key, the current timestamp (the
// event's, or the timer's), the watermark, the key's state, its timers, and where
// to emit. Valid only during the call it is passed to.
template <class K, class S, class R>
class KeyedContext {
 public:
  const K& key() const { return *key_; }
  // The event's timestamp in ProcessElement, the timer's time in OnTimer.
  int64_t timestamp() const { return timestamp_; }
  int64_t watermark() const { return watermark_; }

  // The key's state, default-constructed on first use.
  S& state() {
    if (!entry_->state) entry_->state.emplace();
    return *entry_->state;
  }
  bool has_state() const { return entry_->state.has_value(); }
  void ClearState() { entry_->state.reset(); }

  // Calls OnTimer(time) once the watermark reaches `time`. A time already
  // registered for this key is not registered twice.
  void RegisterEventTimeTimer(int64_t time) {
    auto& timers = entry_->timers;
    if (std::find(timers.begin(), timers.end(), time) != timers.end()) return;
    timers.push_back(time);
    new_timers_->push_back(time);
  }
  void DeleteEventTimeTimer(int64_t time) {
    auto& timers = entry_->timers;
    timers.erase(std::remove(timers.begin(), timers.end(), time), timers.end());
  }

  // Processing time: the job's clock (JobOptions::clock), in milliseconds.
  int64_t processing_time() const {
    if (processing_ == nullptr) {
      throw OperatorError(absl::FailedPreconditionError(
          "processing time is not available to this operator (no processing clock)"));
    }
    return processing_->NowMillis();
  }
  // Calls OnTimer(time) once processing time reaches `time` (once per key and time).
  // In that call, processing_timer() is true and timestamp() is the watermark.
  void RegisterProcessingTimeTimer(int64_t time) {
    auto& timers = entry_->processing_timers;
    if (std::find(timers.begin(), timers.end(), time) != timers.end()) return;
    timers.push_back(time);
    new_processing_timers_->push_back(time);
  }
  void DeleteProcessingTimeTimer(int64_t time) {
    auto& timers = entry_->processing_timers;
    timers.erase(std::remove(timers.begin(), timers.end(), time), timers.end());
  }
  // In OnTimer: whether a processing-time timer (rather than an event-time one) fired.
  bool processing_timer() const { return processing_timer_; }

  // Emits `value` with the current timestamp.
  void Emit(R value) {
    out_->items.push_back(std::move(value));
    out_->timestamps.push_back(timestamp_);
  }

 private:
  template <class, class, class, class>
  friend class KeyedProcessOperator;

  struct Entry {
    std::optional<S> state;
    absl::InlinedVector<int64_t, 2> timers;  // pending event-time timers
    absl::InlinedVector<int64_t, 1> processing_timers;
    bool empty() const { return !state && timers.empty() && processing_timers.empty(); }
  };

  const K* key_ = nullptr;
  Entry* entry_ = nullptr;
  int64_t timestamp_ = 0;
  int64_t watermark_ = kMinWatermark;
  std::vector<int64_t>* new_timers_ = nullptr;
  std::vector<int64_t>* new_processing_timers_ = nullptr;
  const ProcessingTimers* processing_ = nullptr;
  bool processing_timer_ = false;
  Batch<R>* out_ = nullptr;
};

template <class F, class K, class T>
concept KeyedProcessFunction = requires {
  typename F::State;
  typename F::Output;
}
&&std::default_initializable<typename F::State>&& requires(
    F& f, const T& event, int64_t time,
    KeyedContext<K, typename F::State, typename F::Output>& context) {
  f.ProcessElement(event, context);
  f.OnTimer(time, context);
};

// F: nested types State and Output, ProcessElement(const T&, KeyedContext<K, State,
// Output>&) and OnTimer(int64_t, KeyedContext<K, State, Output>&).
template <class K, class T, class KeyFn, class F>
class KeyedProcessOperator final : public Operator {
 public:
  using S = typename F::State;
  using R = typename F::Output;
  using Context = KeyedContext<K, S, R>;
  using Entry = typename Context::Entry;

  KeyedProcessOperator(KeyFn key_fn, F fn)
      : key_fn_(std::move(key_fn)), fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    processing_ = context.processing_timers;
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    BatchPtr results = AcquireBatch<R>();
    for (size_t i = 0; i < in.items.size(); ++i) {
      auto it = keys_.FindOrCreate(key_fn_(in.items[i]));
      Context context = ContextFor(it, in.timestamps[i], results);
      fn_.ProcessElement(in.items[i], context);
      AfterCall(it);
    }
    keys_.MaybeSweep();
    out.Emit(std::move(results));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    BatchPtr results = AcquireBatch<R>();
    timers_.PopDue(watermark_, [&](const K& key, int64_t time) {
      auto it = keys_.find(key);
      if (it == keys_.end()) return;
      auto& pending = it->second.timers;
      auto found = std::find(pending.begin(), pending.end(), time);
      if (found == pending.end()) return;  // deleted, or already fired
      pending.erase(found);
      Context context = ContextFor(it, time, results);
      fn_.OnTimer(time, context);
      AfterCall(it);
    });
    keys_.MaybeSweep();
    out.Emit(std::move(results));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

  void OnProcessingTime(int64_t now_millis, Output& out) override {
    BatchPtr results = AcquireBatch<R>();
    processing_heap_.PopDue(now_millis, [&](const K& key, int64_t time) {
      auto it = keys_.find(key);
      if (it == keys_.end()) return;
      auto& pending = it->second.processing_timers;
      auto found = std::find(pending.begin(), pending.end(), time);
      if (found == pending.end()) return;  // deleted, or already fired
      pending.erase(found);
      Context context = ContextFor(it, watermark_, results);
      context.processing_timer_ = true;
      fn_.OnTimer(time, context);
      AfterCall(it);
    });
    keys_.MaybeSweep();
    out.Emit(std::move(results));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
  }

 private:
  using Table = KeyedStateTable<K, Entry>;

  Context ContextFor(typename Table::iterator it, int64_t timestamp, BatchPtr& results) {
    Context context;
    context.key_ = &it->first;
    context.entry_ = &it->second;
    context.timestamp_ = timestamp;
    context.watermark_ = watermark_;
    context.new_timers_ = &new_timers_;
    context.new_processing_timers_ = &new_processing_timers_;
    context.processing_ = processing_;
    context.out_ = &BatchAs<R>(results);
    return context;
  }

  // Queues the timers the call registered and marks a key left with nothing.
  void AfterCall(typename Table::iterator it) {
    for (int64_t time : new_timers_) timers_.Add(time, it->first);
    new_timers_.clear();
    for (int64_t time : new_processing_timers_) {
      if (processing_ == nullptr) {
        throw OperatorError(absl::FailedPreconditionError(
            "a processing-time timer needs a processing clock, which this operator "
            "was not given"));
      }
      processing_heap_.Add(time, it->first);
      processing_->Register(time);
    }
    new_processing_timers_.clear();
    if (it->second.empty()) keys_.Emptied(it);
  }

  KeyFn key_fn_;
  F fn_;
  OperatorMetrics* metrics_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  Table keys_;
  EventTimeTimers<K> timers_;
  EventTimeTimers<K> processing_heap_;  // the same heap, on processing time
  std::vector<int64_t> new_timers_;
  std::vector<int64_t> new_processing_timers_;
  ProcessingTimers* processing_ = nullptr;
};

}  // namespace sluice
