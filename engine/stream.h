// Stream<T>: a typed handle to one node's output in a Dataflow. Calling Map, Filter,
// KeyBy, ... adds operators to the dataflow's logical graph and returns handles to
// their outputs. Handles are cheap to copy; they are not thread-safe.
//
// User functions (the lambdas given to Map, Filter, KeyBy, Reduce, Process, sinks...)
// are copied once per parallel instance when the job is built, and the instances run
// concurrently on the job's worker threads: a function may keep state in its own
// members (each instance has its copy), but anything it reaches by pointer or
// reference (a captured `&map`, a shared_ptr) is shared by every instance and must be
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "sluice/engine/logical_graph.h"
#include "sluice/operators/filter_operator.h"
#include "sluice/operators/flat_map_operator.h"
#include "sluice/operators/function_concepts.h"
#include "sluice/operators/map_operator.h"
#include "sluice/operators/sink_function_operator.h"
#include "sluice/operators/timestamp_assigner_operator.h"
#include "sluice/operators/union_operator.h"
#include "sluice/operators/windows/window_function_concepts.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/event_time/watermark_strategy.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

template <class K, class T, class KeyFn>
class KeyedStream;

// The handle a Sink returns, to name it or set its parallelism.
class SinkRef {
 public:
  SinkRef(std::shared_ptr<LogicalGraph> graph, int node)
      : graph_(std::move(graph)), node_(node) {}
  SinkRef Name(std::string name) const {
    graph_->node(node_).name = std::move(name);
    return *this;
  }
  SinkRef Parallelism(int parallelism) const {
    graph_->node(node_).parallelism = parallelism;
    return *this;
  }
  int node_id() const { return node_; }
  const std::shared_ptr<LogicalGraph>& graph() const { return graph_; }

 private:
  std::shared_ptr<LogicalGraph> graph_;
  int node_;
};

template <class T>
class Stream {
 public:
  using value_type = T;

  // `output`: 0 for the node's main stream, k >= 1 for its side output k.
  Stream(std::shared_ptr<LogicalGraph> graph, int node,
         Partitioning next = Partitioning::kForward, int output = 0)
      : graph_(std::move(graph)), node_(node), next_(next), output_(output) {}

  // fn(const T&) -> U, applied to every event.
  template <class F>
  auto Map(F fn) const {
    static_assert(MapFunction<F, T>,
                  "Map(fn): fn must be callable as fn(const T&) and return the new "
                  "value, e.g. [](const Event& e) { return e.amount * 2; }");
    using U = MapResult<F, T>;
    return Then<U>("map", Edge(),
                   [fn] { return std::make_unique<MapOperator<T, U, F>>(fn); });
  }

  // fn(const T&) -> bool; keeps the events for which it returns true.
  template <class F>
  Stream<T> Filter(F fn) const {
    static_assert(FilterFunction<F, T>,
                  "Filter(fn): fn must be callable as fn(const T&) and return bool, "
                  "e.g. [](const Event& e) { return e.amount > 100; }");
    return Then<T>("filter", Edge(),
                   [fn] { return std::make_unique<FilterOperator<T, F>>(fn); });
  }

  // fn(const T&, Collector<U>&) emits zero or more U per event. U must be named:
  // stream.FlatMap<std::string>([](const Line& l, Collector<std::string>& out) {...})
  template <class U, class F>
  Stream<U> FlatMap(F fn) const {
    static_assert(FlatMapFunction<F, T, U>,
                  "FlatMap<U>(fn): fn must be callable as fn(const T&, "
                  "sluice::Collector<U>&) and call out.Emit(u) for each output");
    return Then<U>("flat_map", Edge(),
                   [fn] { return std::make_unique<FlatMapOperator<T, U, F>>(fn); });
  }

  // key_fn(const T&) -> K partitions the stream by key; K must hash stably (integers,
  // strings, or a std::hash without per-process salt).
  template <class F>
  auto KeyBy(F key_fn) const {
    static_assert(KeyFunction<F, T>,
                  "KeyBy(fn): fn must be callable as fn(const T&) and return the key, "
                  "e.g. [](const Txn& t) { return t.card_id; }");
    using K = MapResult<F, T>;
    static_assert(StablyHashable<K>,
                  "KeyBy: the key type must be integral, an enum, string-like, or have a "
                  "std::hash specialisation that is stable across processes");
    return KeyedStream<K, T, F>(*this, std::move(key_fn));
  }

  // Gives every event the timestamp ts_fn(const T&) (milliseconds, see
  // runtime/event_time/event_time.h) and the stream a watermark: WatermarkStrategy::
  // BoundedOutOfOrderness(bound), WatermarkStrategy::Monotonous(), or a factory
  // returning std::unique_ptr<WatermarkGenerator<T>> (one per parallel instance).
  template <class F, class Strategy>
  Stream<T> AssignTimestamps(F ts_fn, Strategy strategy) const {
    static_assert(TimestampFunction<F, T>,
                  "AssignTimestamps(fn, strategy): fn must be callable as fn(const T&) "
                  "and return an integer timestamp, e.g. [](const Txn& t) { return "
                  "t.time_ms; }");
    Stream<T> out = Then<T>("timestamps", Edge(), [ts_fn, strategy] {
      return std::make_unique<TimestampAssignerOperator<T, F>>(ts_fn, strategy);
    });
    graph_->node(out.node_).assigns_event_time = true;
    if constexpr (std::is_same_v<Strategy, WatermarkStrategy>) {
      graph_->node(out.node_).validate = [strategy] { return strategy.Validate(); };
    } else {
      static_assert(
          std::is_convertible_v<std::invoke_result_t<const Strategy&>,
                                std::unique_ptr<WatermarkGenerator<T>>>,
          "AssignTimestamps(fn, strategy): strategy must be a sluice::WatermarkStrategy "
          "or a function returning std::unique_ptr<sluice::WatermarkGenerator<T>>");
    }
    return out;
  }

  // Merges this stream with others of the same type.
  template <class... Others>
  Stream<T> Union(const Others&... others) const {
    // Window and process results derive from Stream<T> and are streams of T too.
    static_assert((std::is_base_of_v<Stream<T>, Others> && ...),
                  "Union: every stream must have the same event type");
    LogicalNode node = NewNode<T>("union");
    node.inputs.push_back(Edge());
    auto edge_from = [this](const Stream<T>& other) {
      return LogicalEdge{
          other.graph_ == graph_ ? other.node_ : -1, other.next_, {}, other.output_};
    };
    (node.inputs.push_back(edge_from(others)), ...);
    node.make_operator = [] { return std::make_unique<UnionOperator>(); };
    return Stream<T>(graph_, graph_->AddNode(std::move(node)));
  }

  // Windows over the whole stream, not per key (Flink's windowAll): the window
  // operator runs as one instance; with an Aggregate, events are still folded into
  // per-window partials in parallel first. Results have key 0. Takes the same
  // windows as KeyedStream::Window.
  template <class Windows>
  auto WindowAll(Windows windows) const {
    return KeyBy([](const T&) { return uint8_t{0}; }).Window(windows).SingleInstance();
  }

  // The next operator receives batches round-robin across its instances.
  Stream<T> Rebalance() const {
    return Stream<T>(graph_, node_, Partitioning::kRebalance, output_);
  }
  // The next operator's every instance receives every event.
  Stream<T> Broadcast() const {
    return Stream<T>(graph_, node_, Partitioning::kBroadcast, output_);
  }

  // Ends the stream in a sink: an io sink spec (CsvSink, CollectorSink, ...) or a
  // function fn(const T&) called for every event.
  template <class S>
  SinkRef Sink(S sink) const {
    LogicalNode node = NewNode<T>("sink");
    node.is_sink = true;
    node.inputs.push_back(Edge());
    if constexpr (std::is_base_of_v<SinkSpec<T>, S>) {
      auto spec = std::make_shared<const S>(std::move(sink));
      node.kind = spec->Kind();
      node.max_parallelism = spec->MaxParallelism();
      node.make_operator = [spec] { return spec->CreateInstance(); };
      node.validate = [spec] { return spec->Validate(); };
      node.committed_output = [spec] { return spec->CommittedOutput(); };
    } else {
      static_assert(SinkFunction<S, T>,
                    "Sink(x): x must be a sluice::SinkSpec<T> (CsvSink, JsonLinesSink, "
                    "CollectorSink, ...) or a function callable as fn(const T&)");
      node.make_operator = [sink] {
        return std::make_unique<SinkFunctionOperator<T, S>>(sink);
      };
    }
    return SinkRef(graph_, graph_->AddNode(std::move(node)));
  }

  // Names the operator that produces this stream (shown in plans and metrics).
  Stream<T> Name(std::string name) const {
    graph_->node(node_).name = std::move(name);
    return *this;
  }
  // Sets how many parallel instances run the operator that produces this stream.
  Stream<T> Parallelism(int parallelism) const {
    graph_->node(node_).parallelism = parallelism;
    return *this;
  }

  int node_id() const { return node_; }
  int output() const { return output_; }
  const std::shared_ptr<LogicalGraph>& graph() const { return graph_; }
  // The edge from this stream into a next operator.
  LogicalEdge Edge() const { return LogicalEdge{node_, next_, {}, output_}; }

  // Adds a node of `kind` reading from `edge` and producing U. For operator authors.
  template <class U, class Factory>
  Stream<U> Then(std::string kind, LogicalEdge edge, Factory factory) const {
    LogicalNode node = NewNode<U>(std::move(kind));
    node.inputs.push_back(std::move(edge));
    node.make_operator = std::move(factory);
    return Stream<U>(graph_, graph_->AddNode(std::move(node)));
  }

 private:
  template <class>
  friend class Stream;

  template <class U>
  static LogicalNode NewNode(std::string kind) {
    LogicalNode node;
    node.kind = std::move(kind);
    node.in_type = typeid(T);
    node.in_type_name = TypeName<T>();
    node.out_type = typeid(U);
    node.out_type_name = TypeName<U>();
    return node;
  }

  std::shared_ptr<LogicalGraph> graph_;
  int node_;
  Partitioning next_;
  int output_ = 0;
};

}  // namespace sluice

#include "sluice/engine/keyed_stream.h"
