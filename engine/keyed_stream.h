// KeyedStream: a stream partitioned by key. Operators on it see all events of a key
// in one instance and keep per-key state.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "sluice/engine/interval_join_builder.h"
#include "sluice/engine/stream.h"
#include "sluice/engine/stream_with_side_outputs.h"
#include "sluice/engine/table_join_builder.h"
#include "sluice/engine/window_join_builder.h"
#include "sluice/engine/windowed_stream.h"
#include "sluice/operators/function_concepts.h"
#include "sluice/operators/keyed_aggregate_operator.h"
#include "sluice/operators/keyed_process_operator.h"
#include "sluice/operators/keyed_reduce_operator.h"
#include "sluice/runtime/key_hash_output.h"

namespace sluice {

template <class K, class T, class KeyFn>
class KeyedStream {
 public:
  using key_type = K;
  using value_type = T;

  KeyedStream(Stream<T> input, KeyFn key_fn)
      : input_(std::move(input)), key_fn_(std::move(key_fn)) {}

  // fn(const T& accumulated, const T& event) -> T. Emits the updated value per event.
  template <class F>
  Stream<T> Reduce(F fn) const {
    return AddReduce</*kAtEnd=*/false>("reduce", std::move(fn));
  }
  // As Reduce, but emits nothing per event: when the input ends, one final value per
  // key, without event time (a bounded job's total per key). A job that is cancelled
  // or stopped with a savepoint emits none; one restored from a checkpoint goes on.
  template <class F>
  Stream<T> ReduceAtEnd(F fn) const {
    return AddReduce</*kAtEnd=*/true>("reduce_at_end", std::move(fn));
  }

  // An aggregate object with CreateAccumulator() -> Acc, Add(Acc&, const T&) and
  // Result(const K&, const Acc&) -> R. Emits the key's updated result per event.
  template <class A>
  auto Aggregate(A aggregate) const {
    return AddAggregate</*kAtEnd=*/false>("aggregate", std::move(aggregate));
  }
  // As Aggregate, but emits one final result per key when the input ends (see
  // ReduceAtEnd).
  template <class A>
  auto AggregateAtEnd(A aggregate) const {
    return AddAggregate</*kAtEnd=*/true>("aggregate_at_end", std::move(aggregate));
  }

  // A keyed process function: an object with nested types State and Output,
  // ProcessElement(const T&, KeyedContext<K, State, Output>&) and
  // OnTimer(int64_t time, KeyedContext<K, State, Output>&). See
  // operators/keyed_process_operator.h. The input must have event time. The side
  // outputs whose tags the function lists in `using SideOutputs = std::tuple<...>`
  // are read with SideOutput(tag) on the result.
  template <class F>
  auto Process(F fn) const {
    static_assert(ValidTags<typename SideOutputsOf<F>::type>::value,
                  "Process(f): f's SideOutputs must be a std::tuple of "
                  "sluice::OutputTag<Type, \"name\"> types with distinct names");
    static_assert(KeyedProcessFunction<F, K, T>,
                  "Process(f): f must have nested types State (default-constructible) "
                  "and Output, and methods ProcessElement(const T&, "
                  "sluice::KeyedContext<K, State, Output>&) and OnTimer(int64_t, "
                  "sluice::KeyedContext<K, State, Output>&)");
    using Sides = typename SideOutputsOf<F>::type;
    KeyFn key_fn = key_fn_;
    Stream<typename F::Output> out =
        input_.template Then<typename F::Output>("process", KeyedEdge(), [key_fn, fn] {
          return std::make_unique<KeyedProcessOperator<K, T, KeyFn, F>>(key_fn, fn);
        });
    input_.graph()->node(out.node_id()).needs_event_time = true;
    return StreamWithSideOutputs<typename F::Output, Sides>::Declare(std::move(out));
  }

  // Cuts the stream into event-time windows per key: TumblingWindows(size),
  // SlidingWindows(size, slide) or SessionWindows(gap). Then Aggregate or Process.
  WindowedStream<K, T, KeyFn, SlicedWindows> Window(SlicedWindows windows) const {
    return WindowedStream<K, T, KeyFn, SlicedWindows>(input_, KeyedEdge(), key_fn_,
                                                      windows);
  }
  WindowedStream<K, T, KeyFn, SessionWindowSpec> Window(SessionWindowSpec windows) const {
    return WindowedStream<K, T, KeyFn, SessionWindowSpec>(input_, KeyedEdge(), key_fn_,
                                                          windows);
  }
  // GlobalWindows() (one window per key, fired by its Trigger and at end of input),
  // or a custom assigner: any class with AssignWindows(const T&, int64_t timestamp,
  // std::vector<TimeWindow>&) const (operators/windows/window_assigners.h).
  template <class W>
  requires WindowAssigner<W, T> WindowedStream<K, T, KeyFn, W> Window(W assigner)
  const { return WindowedStream<K, T, KeyFn, W>(input_, KeyedEdge(), key_fn_, assigner); }

  // Joins with another keyed stream (same key type): every pair of events whose
  // timestamps are within bounds. Then .Between(lower, upper).Apply(fn).
  template <class B, class KeyB>
  auto IntervalJoin(const KeyedStream<K, B, KeyB>& other) const {
    return IntervalJoinBuilder<K, T, KeyFn, B, KeyB>(InputsWith(other));
  }
  // Joins with another keyed stream window by window: every pair of events of a key
  // in the same window. Then .Window(windows).Apply(fn).
  template <class B, class KeyB>
  auto Join(const KeyedStream<K, B, KeyB>& other) const {
    return WindowJoinBuilder<K, T, KeyFn, B, KeyB>(InputsWith(other));
  }
  // Enriches each event with its key's row, as of the event's time, from a changelog
  // stream of rows keyed the same way. Then .Ttl(...), .Deletes(pred), .Apply(fn).
  template <class B, class KeyB>
  auto JoinTable(const KeyedStream<K, B, KeyB>& table) const {
    return TableJoinBuilder<K, T, KeyFn, B, KeyB>(InputsWith(table));
  }
  // As JoinTable, for a small table: the rows are copied to every instance and the
  // events stay where they are (not repartitioned by key).
  template <class B, class KeyB>
  auto JoinBroadcastTable(const KeyedStream<K, B, KeyB>& table) const {
    TableJoinBuilder<K, T, KeyFn, B, KeyB> builder(JoinInputs<T, KeyFn, B, KeyB>{
        input_, input_.Edge(), key_fn_, table.input(), table.input().Broadcast().Edge(),
        table.key_function()});
    builder.options_.broadcast = true;
    return builder;
  }

  const KeyFn& key_function() const { return key_fn_; }
  const Stream<T>& input() const { return input_; }

  // The edge into a keyed operator: key-hash partitioned by this stream's key.
  LogicalEdge KeyedEdge() const {
    LogicalEdge edge;
    edge.from = input_.node_id();
    edge.from_output = input_.output();
    edge.partitioning = Partitioning::kKeyHash;
    KeyFn key_fn = key_fn_;
    edge.make_key_hash_output = [key_fn](std::vector<Channel*> channels, int,
                                         const OperatorContext& context) {
      return std::make_unique<KeyHashOutput<T, KeyFn>>(
          key_fn, std::move(channels), context.max_key_groups, context.batch_size);
    };
    return edge;
  }

 private:
  template <bool kAtEnd, class F>
  Stream<T> AddReduce(std::string kind, F fn) const {
    static_assert(ReduceFunction<F, T>,
                  "Reduce(fn): fn must be callable as fn(const T& accumulated, const T& "
                  "next) and return the new accumulated T");
    KeyFn key_fn = key_fn_;
    Stream<T> out = input_.template Then<T>(std::move(kind), KeyedEdge(), [key_fn, fn] {
      return std::make_unique<KeyedReduceOperator<K, T, KeyFn, F, kAtEnd>>(key_fn, fn);
    });
    out.graph()->node(out.node_id()).drops_event_time = kAtEnd;
    return out;
  }

  template <bool kAtEnd, class A>
  auto AddAggregate(std::string kind, A aggregate) const {
    static_assert(AggregateFunction<A, K, T>,
                  "Aggregate(a): a must provide CreateAccumulator() -> Acc, "
                  "Add(Acc&, const T&) and Result(const Acc&) -> R or "
                  "Result(const K& key, const Acc&) -> R (Merge is optional here)");
    using R = AggregateResult<A, K>;
    KeyFn key_fn = key_fn_;
    Stream<R> out =
        input_.template Then<R>(std::move(kind), KeyedEdge(), [key_fn, aggregate] {
          return std::make_unique<KeyedAggregateOperator<K, T, KeyFn, A, kAtEnd>>(
              key_fn, aggregate);
        });
    out.graph()->node(out.node_id()).drops_event_time = kAtEnd;
    return out;
  }

  // This stream as a join's left input and `other` as its right one, both keyed.
  template <class B, class KeyB>
  JoinInputs<T, KeyFn, B, KeyB> InputsWith(const KeyedStream<K, B, KeyB>& other) const {
    return {input_,        KeyedEdge(),       key_fn_,
            other.input(), other.KeyedEdge(), other.key_function()};
  }

  Stream<T> input_;
  KeyFn key_fn_;
};

}  // namespace sluice
