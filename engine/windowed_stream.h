// WindowedStream: a keyed stream cut into event-time windows, waiting for the function
// that turns each window into a value:
//
//   keyed.Window(sluice::TumblingWindows(std::chrono::seconds(10)))
//       .AllowedLateness(std::chrono::seconds(5))
//       .Aggregate(sluice::aggregates::Count())      // Stream<WindowResult<K, int64_t>>
//
// The input must have event time (Stream::AssignTimestamps). Results carry the key,
// the window's start and end and the value, with timestamp end - 1 (for global
// windows: the latest element's timestamp).
//
// Tumbling and sliding windows with the default trigger run on the sliced fast path
// (sliced_window_operator.h); a Trigger(...), global windows or a custom assigner use
// the general TriggeredWindowOperator. The choice is made at compile time:
// Trigger(...) and SideOutputLateData(tag) change the builder's type (kTriggered,
// LateTags), so a program instantiates only the operators it can run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/engine/stream.h"
#include "sluice/engine/stream_with_side_outputs.h"
#include "sluice/operators/aggregates.h"
#include "sluice/operators/function_concepts.h"
#include "sluice/operators/output_tag.h"
#include "sluice/operators/windows/session_window_operator.h"
#include "sluice/operators/windows/session_windows.h"
#include "sluice/operators/windows/sliced_window_operator.h"
#include "sluice/operators/windows/sliced_windows.h"
#include "sluice/operators/windows/triggered_window_operator.h"
#include "sluice/operators/windows/window_assigners.h"
#include "sluice/operators/windows/window_function_concepts.h"
#include "sluice/operators/windows/window_pre_aggregate_operator.h"
#include "sluice/operators/windows/window_trigger.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/key_hash_output.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

// Turns a window aggregate's accumulator into the window's value.
template <class A>
struct AggregateFinish {
  A aggregate;
  template <class K, class Acc>
  auto operator()(const K& key, const TimeWindow&, const Acc& acc) const {
    return AggregateResultFor(aggregate, key, acc);
  }
};

template <class K, class T, class KeyFn, class Windows, bool kTriggered = false,
          class LateTags = std::tuple<>>
class WindowedStream {
  // Whether late events go to a side output (a tag in LateTags) or are only counted.
  static constexpr bool kLateOutput = std::tuple_size_v<LateTags> > 0;

 public:
  WindowedStream(Stream<T> input, LogicalEdge keyed_edge, KeyFn key_fn, Windows windows)
      : input_(std::move(input)),
        edge_(std::move(keyed_edge)),
        key_fn_(std::move(key_fn)),
        windows_(windows) {}

  // Events up to `lateness` behind the watermark still update (and re-fire) their
  // windows; later ones are counted as late. Default 0.
  WindowedStream AllowedLateness(int64_t lateness) const {
    WindowedStream copy = *this;
    copy.lateness_ = lateness;
    return copy;
  }
  template <class Rep, class Period>
  WindowedStream AllowedLateness(std::chrono::duration<Rep, Period> lateness) const {
    return AllowedLateness(EventTimeSpan(lateness));
  }

  // When windows emit (early, count and processing-time firings) and whether each
  // firing keeps or discards what the window held. See
  // operators/windows/window_trigger.h.
  auto Trigger(WindowTrigger trigger) const {
    auto copy = Retyped<true, LateTags>();
    copy.trigger_ = trigger;
    return copy;
  }

  // Runs the window operator as one instance (windows over a whole non-keyed
  // stream: Stream::WindowAll). For the engine; users call WindowAll.
  WindowedStream SingleInstance() const {
    WindowedStream copy = *this;
    copy.single_instance_ = true;
    return copy;
  }

  // Sends late events to the side output of `Tag` (an OutputTag<T, "name">), read
  // with SideOutput(tag) on the result, instead of only counting them. (Windows then
  // aggregate every event after the exchange: pre-aggregation folds events before
  // their lateness is known.)
  template <class Tag>
  auto SideOutputLateData(Tag) const {
    static_assert(IsOutputTag<Tag> && std::is_same_v<typename Tag::Type, T>,
                  "SideOutputLateData(tag): tag must be a sluice::OutputTag<T, "
                  "\"name\"> whose type is the window's input type T");
    static_assert(!kLateOutput, "SideOutputLateData(tag): called twice");
    return Retyped<kTriggered, std::tuple<Tag>>();
  }

  // An incremental aggregate, the same contract as KeyedStream::Aggregate
  // (operators/function_concepts.h) with Merge required: CreateAccumulator(),
  // Add(Acc&, const T&), Merge(Acc& earlier, const Acc& later), and Result(const Acc&)
  // or Result(const K&, const Acc&). See operators/aggregates.h for the
  // built-in ones.
  template <class A>
  auto Aggregate(A aggregate) const {
    static_assert(AggregateFunction<A, K, T>,
                  "Window(...).Aggregate(a): a must provide CreateAccumulator() -> Acc, "
                  "Add(Acc&, const T&) and Result(const Acc&) -> R or "
                  "Result(const K& key, const Acc&) -> R, e.g. "
                  "sluice::aggregates::Count()");
    static_assert(MergeableAggregate<A>,
                  "Window(...).Aggregate(a): windows combine accumulators (slices of "
                  "sliding windows, merging sessions), so a must also provide "
                  "Merge(Acc& into, const Acc& from)");
    using Result =
        StreamWithSideOutputs<WindowResult<K, AggregateResult<A, K>>, LateTags>;
    if constexpr (std::is_same_v<Windows, SlicedWindows> && !kLateOutput && !kTriggered) {
      return Result::Declare(BuildPreAggregated(aggregate));
    } else {
      return Result::Declare(
          Build("window_aggregate", aggregate, AggregateFinish<A>{aggregate}));
    }
  }

  // A full-window function fn(const K&, const TimeWindow&, const std::vector<T>&) -> R
  // that sees every element of the window (kept until the window fires).
  template <class F>
  auto Process(F fn) const {
    static_assert(
        WindowProcessFunction<F, K, T>,
        "Window(...).Process(fn): fn must be callable as fn(const K& key, const "
        "sluice::TimeWindow& window, const std::vector<T>& elements) and return "
        "the window's value");
    using R = std::decay_t<std::invoke_result_t<const F&, const K&, const TimeWindow&,
                                                const std::vector<T>&>>;
    return StreamWithSideOutputs<WindowResult<K, R>, LateTags>::Declare(
        Build("window_process", aggregates::ListAggregate<T>{}, fn));
  }

 private:
  template <class, class, class, class, bool, class>
  friend class WindowedStream;

  // This builder with the same settings and other compile-time choices.
  template <bool kTriggeredTo, class LateTagsTo>
  WindowedStream<K, T, KeyFn, Windows, kTriggeredTo, LateTagsTo> Retyped() const {
    WindowedStream<K, T, KeyFn, Windows, kTriggeredTo, LateTagsTo> copy(
        input_, edge_, key_fn_, windows_);
    copy.lateness_ = lateness_;
    copy.trigger_ = trigger_;
    copy.single_instance_ = single_instance_;
    return copy;
  }

  template <class A, class Finish>
  auto Build(std::string kind, A aggregate, Finish finish) const {
    using Acc = std::decay_t<decltype(aggregate.CreateAccumulator())>;
    using R = std::decay_t<
        std::invoke_result_t<const Finish&, const K&, const TimeWindow&, const Acc&>>;
    using Result = WindowResult<K, R>;
    KeyFn key_fn = key_fn_;
    Windows windows = windows_;
    int64_t lateness = lateness_;
    WindowTrigger trigger = trigger_.value_or(WindowTrigger::OnWatermark());
    constexpr bool kSessions = std::is_same_v<Windows, SessionWindowSpec>;
    constexpr bool kSliced = std::is_same_v<Windows, SlicedWindows>;
    Stream<Result> out = input_.template Then<Result>(
        std::move(kind), edge_,
        [key_fn, aggregate, finish, windows, lateness,
         trigger]() -> std::unique_ptr<Operator> {
          if constexpr (kSessions && !kTriggered) {
            return std::make_unique<SessionWindowOperator<K, T, KeyFn, A, Finish>>(
                key_fn, aggregate, finish, windows, lateness);
          } else if constexpr (kSessions) {
            return std::make_unique<
                TriggeredWindowOperator<K, T, KeyFn, SessionWindowAssigner, A, Finish>>(
                key_fn, SessionWindowAssigner{windows}, aggregate, finish, trigger,
                lateness, kLateOutput);
          } else if constexpr (kSliced && !kTriggered) {
            return std::make_unique<SlicedWindowOperator<K, T, KeyFn, A, Finish>>(
                key_fn, aggregate, finish, windows, lateness);
          } else if constexpr (kSliced) {
            return std::make_unique<
                TriggeredWindowOperator<K, T, KeyFn, SlicedWindowAssigner, A, Finish>>(
                key_fn, SlicedWindowAssigner{windows}, aggregate, finish, trigger,
                lateness, kLateOutput);
          } else {
            return std::make_unique<
                TriggeredWindowOperator<K, T, KeyFn, Windows, A, Finish>>(
                key_fn, windows, aggregate, finish, trigger, lateness, kLateOutput);
          }
        });
    out.graph()->node(out.node_id()).needs_event_time = true;
    SetValidate(out);
    return out;
  }

  // Sliced windows with an incremental aggregate: a WindowPreAggregateOperator,
  // chained to the input, folds each batch into per-(key, slice) partials, and only
  // those cross the key-hash exchange to the window operator.
  template <class A>
  auto BuildPreAggregated(A aggregate) const {
    using Acc = AccumulatorOf<A>;
    using Partial = WindowPartial<K, Acc>;
    using Finisher = AggregateFinish<A>;
    using Result = WindowResult<K, AggregateResult<A, K>>;
    KeyFn key_fn = key_fn_;
    Windows windows = windows_;
    int64_t lateness = lateness_;
    Stream<Partial> partials = input_.template Then<Partial>(
        "window_preaggregate",
        LogicalEdge{input_.node_id(), Partitioning::kForward, {}, input_.output()},
        [key_fn, aggregate, windows] {
          return std::make_unique<WindowPreAggregateOperator<K, T, KeyFn, A>>(
              key_fn, aggregate, windows);
        });
    // Same parallelism as the input, so the planner chains the two.
    const LogicalNode& from = input_.graph()->node(input_.node_id());
    LogicalNode& pre = input_.graph()->node(partials.node_id());
    pre.needs_event_time = true;
    pre.parallelism = from.parallelism;
    pre.max_parallelism = from.max_parallelism;
    LogicalEdge edge;
    edge.from = partials.node_id();
    edge.partitioning = Partitioning::kKeyHash;
    edge.make_key_hash_output = [](std::vector<Channel*> channels, int,
                                   const OperatorContext& context) {
      return std::make_unique<KeyHashOutput<Partial, PartialKey<Partial>>>(
          PartialKey<Partial>{}, std::move(channels), context.max_key_groups,
          context.batch_size);
    };
    Stream<Result> out = partials.template Then<Result>(
        "window_aggregate", std::move(edge), [key_fn, aggregate, windows, lateness] {
          return std::make_unique<
              SlicedWindowOperator<K, T, KeyFn, A, Finisher, /*kPartialInput=*/true>>(
              key_fn, aggregate, Finisher{aggregate}, windows, lateness);
        });
    SetValidate(out);
    return out;
  }

  template <class Partial>
  struct PartialKey {
    K operator()(const Partial& partial) const { return partial.key; }
  };

  // Validation of the window node, and its parallelism for WindowAll.
  template <class Result>
  void SetValidate(const Stream<Result>& out) const {
    Windows windows = windows_;
    int64_t lateness = lateness_;
    std::optional<WindowTrigger> trigger = trigger_;
    LogicalNode& node = out.graph()->node(out.node_id());
    if (single_instance_) {
      node.parallelism = 1;
      node.max_parallelism = 1;
    }
    node.validate = [windows, lateness, trigger]() -> absl::Status {
      // Up to INT64_MAX ms: windows are then kept until the end of input.
      absl::Status lateness_ok =
          CheckTimeSpan("AllowedLateness(lateness)", lateness, 0, kMaxWatermark);
      if (!lateness_ok.ok()) return lateness_ok;
      if (trigger) {
        absl::Status status = trigger->Validate();
        if (!status.ok()) return status;
      }
      if constexpr (requires { windows.Validate(); }) {
        return windows.Validate();
      } else {
        return absl::OkStatus();
      }
    };
  }

  Stream<T> input_;
  LogicalEdge edge_;
  KeyFn key_fn_;
  Windows windows_;
  int64_t lateness_ = 0;
  std::optional<WindowTrigger> trigger_;
  bool single_instance_ = false;
};

}  // namespace sluice
