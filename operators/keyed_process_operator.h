// A keyed process function: user code that sees each event of a key with that key's
// state, and sets event-time timers that call it back when the watermark passes
// them (as Flink's KeyedProcessFunction):
//
//   struct Rule {
//     struct State { int64_t count = 0; };
//     using Output = Alert;
//     using Context = sluice::KeyedContext<uint64_t, State, Alert>;
//     void ProcessElement(const Txn& txn, Context& ctx);
//     void OnTimer(int64_t time, Context& ctx);
//   };
//   keyed.Process(Rule{});
//
// State is one value of the function's State type per key, created on first use:
// plain members, or state handles (ValueState, ListState, MapState, ReducingState,
// AggregatingState from runtime/state/, optionally with a time to live) listed by
// `auto Fields() { return std::tie(...); }`. A key whose state is empty (every
// handle empty, or ClearState() called) and that has no timer left is dropped.
// Fields() also makes the state snapshottable (keyed_state()).
//
// Side outputs (operators/output_tag.h): a function that declares
// `using SideOutputs = std::tuple<TagA, TagB>;` emits to them with
// ctx.Emit(TagA{}, a); they are the operator's outputs 1, 2, ..., read with
// SideOutput(TagA{}) on the result. Its context is then
// KeyedContext<K, State, Output, TagA, TagB>.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "sluice/operators/output_tag.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/event_time_timers.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/processing_clock.h"
#include "sluice/runtime/state/in_memory_state_backend.h"
#include "sluice/runtime/state/keyed_state_table.h"
#include "sluice/runtime/state/state_fields.h"
#include "sluice/runtime/state/state_ttl.h"

namespace sluice {

// What a process function sees of its key: the key, the current timestamp (the
// event's, or the timer's), the watermark, the key's state, its timers, and where
// to emit. Valid only during the call it is passed to.
template <class K, class S, class R, class... Tags>
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
  // In that call, processing_timer() is true and timestamp() is just after the
  // watermark.
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
  // Emits `value` with the current timestamp to the side output of `Tag`, one of
  // the function's SideOutputs.
  template <class Tag>
  void Emit(Tag, typename Tag::Type value) {
    constexpr size_t kIndex = TagIndex<Tag, std::tuple<Tags...>>::value;
    static_assert(kIndex < sizeof...(Tags),
                  "ctx.Emit(tag, value): the tag is not in the function's SideOutputs "
                  "(nor in the KeyedContext's tag list)");
    auto& batch = *std::get<kIndex>(*sides_);
    batch.items.push_back(std::move(value));
    batch.timestamps.push_back(timestamp_);
  }

 private:
  template <class, class, class, class>
  friend class KeyedProcessOperator;

  struct Entry {
    std::optional<S> state;
    absl::InlinedVector<int64_t, 2> timers;  // pending event-time timers
    absl::InlinedVector<int64_t, 1> processing_timers;
    bool ttl_queued = false;  // has an entry in the operator's expiry queue
    bool empty() const { return !state && timers.empty() && processing_timers.empty(); }
    auto Fields() { return std::tie(state, timers, processing_timers); }
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
  std::tuple<Batch<typename Tags::Type>*...>* sides_ = nullptr;
};

// F::SideOutputs as a tuple of output tags (std::tuple<> when F declares none).
template <class F>
struct SideOutputsOf {
  using type = std::tuple<>;
};
template <class F>
requires requires { typename F::SideOutputs; }
struct SideOutputsOf<F> {
  using type = typename F::SideOutputs;
};

template <class K, class S, class R, class SideTuple>
struct ContextWithSides;
template <class K, class S, class R, class... Tags>
struct ContextWithSides<K, S, R, std::tuple<Tags...>> {
  using type = KeyedContext<K, S, R, Tags...>;
};

// The context type a process function F on keys K is called with.
template <class F, class K>
using ProcessContext = typename ContextWithSides<K, typename F::State, typename F::Output,
                                                 typename SideOutputsOf<F>::type>::type;

template <class F, class K, class T>
concept KeyedProcessFunction = requires {
  typename F::State;
  typename F::Output;
}
&&std::default_initializable<typename F::State>&& requires(
    F& f, const T& event, int64_t time, ProcessContext<F, K>& context) {
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
  using Context = ProcessContext<F, K>;
  using Entry = typename Context::Entry;
  using Sides = typename SideOutputsOf<F>::type;

  KeyedProcessOperator(KeyFn key_fn, F fn)
      : key_fn_(std::move(key_fn)), fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    processing_ = context.processing_timers;
    state_.set_key_group_count(context.max_key_groups);
    state_.set_on_restore([this](const K& key, Entry& entry) { Requeue(key, entry); });
    return absl::OkStatus();
  }

  KeyedStateBackend* keyed_state() override { return &state_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    Results results;
    TimeScope time(processing_);
    ExpireDue(time.now);
    for (size_t i = 0; i < in.items.size(); ++i) {
      auto it = keys().FindOrCreate(key_fn_(in.items[i]));
      Context context = ContextFor(it, in.timestamps[i], results);
      fn_.ProcessElement(in.items[i], context);
      AfterCall(it, time.now);
    }
    EmitResults(results, time.now, out);
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    Results results;
    TimeScope time(processing_);
    timers_.PopDue(watermark_, [&](const K& key, int64_t when) {
      FireTimer(key, when, /*processing=*/false, time.now, results);
    });
    EmitResults(results, time.now, out);
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

  void OnProcessingTime(int64_t now_millis, Output& out) override {
    Results results;
    TimeScope time(processing_);
    processing_heap_.PopDue(now_millis, [&](const K& key, int64_t when) {
      FireTimer(key, when, /*processing=*/true, time.now, results);
    });
    ExpireDue(time.now);
    EmitResults(results, time.now, out);
  }

 private:
  using Backend = InMemoryStateBackend<K, Entry>;
  using Table = typename Backend::Table;

  // The batches one call of the operator emits to: main output and side outputs.
  template <class Tuple>
  struct SideBatches;
  template <class... Tags>
  struct SideBatches<std::tuple<Tags...>> {
    std::array<BatchPtr, sizeof...(Tags)> owned;
    std::tuple<Batch<typename Tags::Type>*...> typed;
    SideBatches() { Acquire(std::index_sequence_for<Tags...>{}); }
    template <size_t... I>
    void Acquire(std::index_sequence<I...>) {
      ((owned[I] = AcquireBatch<typename Tags::Type>(),
        std::get<I>(typed) = &BatchAs<typename Tags::Type>(owned[I])),
       ...);
    }
  };
  struct Results {
    BatchPtr main = AcquireBatch<R>();
    SideBatches<Sides> sides;
  };

  // Processing time for TTL'd state during one call of the operator (unset when the
  // job has no processing clock: TTL'd state then fails the job with a message).
  struct TimeScope {
    explicit TimeScope(const ProcessingTimers* timers)
        : now(timers != nullptr ? timers->NowMillis() : kNeverExpires),
          scope(timers != nullptr ? now : StateTime::kNoTime) {}
    int64_t now;
    StateTime::Scope scope;
  };

  Table& keys() { return state_.table(); }

  Context ContextFor(typename Table::iterator it, int64_t timestamp, Results& results) {
    Context context;
    context.key_ = &it->first;
    context.entry_ = &it->second;
    context.timestamp_ = timestamp;
    context.watermark_ = watermark_;
    context.new_timers_ = &new_timers_;
    context.new_processing_timers_ = &new_processing_timers_;
    context.processing_ = processing_;
    context.out_ = &BatchAs<R>(results.main);
    context.sides_ = &results.sides.typed;
    return context;
  }

  void FireTimer(const K& key, int64_t when, bool processing, int64_t now,
                 Results& results) {
    auto it = keys().find(key);
    if (it == keys().end()) return;
    bool pending = processing ? TakeTimer(it->second.processing_timers, when)
                              : TakeTimer(it->second.timers, when);
    if (!pending) return;  // deleted, or already fired
    // A processing-time firing is stamped just after the watermark: on time for
    // whatever event-time operator follows.
    int64_t stamp = processing ? NextEventTime(watermark_) : when;
    Context context = ContextFor(it, stamp, results);
    context.processing_timer_ = processing;
    fn_.OnTimer(when, context);
    AfterCall(it, now);
  }

  template <class Timers>
  static bool TakeTimer(Timers& pending, int64_t when) {
    auto found = std::find(pending.begin(), pending.end(), when);
    if (found == pending.end()) return false;
    pending.erase(found);
    return true;
  }

  // Queues the timers the call registered, drops a state left empty, queues the
  // key's TTL'd state for expiry, and marks a key left with nothing.
  void AfterCall(typename Table::iterator it, int64_t now) {
    Entry& entry = it->second;
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
    if constexpr (StateMayExpire<S>()) {
      if (entry.state && StateIsEmpty(*entry.state)) entry.state.reset();
      if (entry.state && !entry.ttl_queued && processing_ != nullptr) {
        QueueExpiry(it->first, entry, ExpireState(*entry.state, now));
      }
    }
    if (entry.empty()) keys().Emptied(it);
  }

  void QueueExpiry(const K& key, Entry& entry, int64_t when) {
    if (when == kNeverExpires) return;
    ttl_queue_.Add(when, key);
    entry.ttl_queued = true;
  }

  // Incremental TTL cleanup: each key with TTL'd state has one entry in ttl_queue_
  // at the time its next value expires; popping it expires that key's values.
  void ExpireDue(int64_t now) {
    if constexpr (StateMayExpire<S>()) {
      ttl_queue_.PopDue(now, [&](const K& key, int64_t) {
        auto it = keys().find(key);
        if (it == keys().end()) return;
        Entry& entry = it->second;
        entry.ttl_queued = false;
        if (!entry.state) return;  // cleared since; already accounted for
        int64_t next = ExpireState(*entry.state, now);
        if (StateIsEmpty(*entry.state)) {
          entry.state.reset();
        } else {
          QueueExpiry(key, entry, next);
        }
        if (entry.empty()) keys().Emptied(it);
      });
    }
  }

  void EmitResults(Results& results, int64_t now, Output& out) {
    keys().MaybeSweep();
    out.Emit(std::move(results.main));
    for (size_t i = 0; i < results.sides.owned.size(); ++i) {
      out.EmitSide(static_cast<int>(i) + 1, std::move(results.sides.owned[i]));
    }
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys().live());
    // Wake up for the next expiry even if no event comes to trigger cleanup.
    if (!ttl_queue_.empty() && processing_ != nullptr &&
        (ttl_queue_.next_time() < ttl_wakeup_ || ttl_wakeup_ <= now)) {
      ttl_wakeup_ = ttl_queue_.next_time();
      processing_->Register(ttl_wakeup_);
    }
  }

  // A restored key: its timers and TTL'd state go back in the queues.
  void Requeue(const K& key, Entry& entry) {
    for (int64_t time : entry.timers) timers_.Add(time, key);
    for (int64_t time : entry.processing_timers) {
      processing_heap_.Add(time, key);
      if (processing_ != nullptr) processing_->Register(time);
    }
    entry.ttl_queued = false;
    if constexpr (StateMayExpire<S>()) {
      if (entry.state && processing_ != nullptr) {
        int64_t next = ExpireState(*entry.state, processing_->NowMillis());
        if (StateIsEmpty(*entry.state)) {
          entry.state.reset();  // expired while it was stored
        } else {
          QueueExpiry(key, entry, next);
        }
      }
    }
  }

  KeyFn key_fn_;
  F fn_;
  OperatorMetrics* metrics_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  Backend state_;
  EventTimeTimers<K> timers_;
  EventTimeTimers<K> processing_heap_;  // the same heap, on processing time
  EventTimeTimers<K> ttl_queue_;        // next TTL expiry per key (processing time)
  int64_t ttl_wakeup_ = kMinWatermark;  // the processing timer asked for ttl_queue_
  std::vector<int64_t> new_timers_;
  std::vector<int64_t> new_processing_timers_;
  ProcessingTimers* processing_ = nullptr;
};

}  // namespace sluice
