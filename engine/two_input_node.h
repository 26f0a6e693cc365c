// The two inputs of a join as the builders hold them, and how a join's two-input
// node is added to the dataflow: input 0 reads the left stream (A), input 1 the
// right one (B), each through its edge (key-hash, or forward and broadcast).
#pragma once

#include <functional>
#include <string>
#include <typeindex>
#include <utility>

#include "absl/status/status.h"
#include "sluice/engine/logical_graph.h"
#include "sluice/engine/stream.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

template <class A, class KeyA, class B, class KeyB>
struct JoinInputs {
  Stream<A> left;
  LogicalEdge left_edge;
  KeyA key_a;
  Stream<B> right;
  LogicalEdge right_edge;
  KeyB key_b;
};

template <class R, class A, class KeyA, class B, class KeyB, class Factory>
Stream<R> AddTwoInputNode(std::string kind, const JoinInputs<A, KeyA, B, KeyB>& inputs,
                          Factory factory,
                          std::function<absl::Status()> validate = nullptr) {
  LogicalNode node;
  node.kind = std::move(kind);
  node.in_type = typeid(A);
  node.in_type_name = TypeName<A>();
  node.out_type = typeid(R);
  node.out_type_name = TypeName<R>();
  node.input_types = {{typeid(A), TypeName<A>()}, {typeid(B), TypeName<B>()}};
  LogicalEdge right_edge = inputs.right_edge;
  // A stream of another dataflow is refused when the graph is validated.
  if (inputs.right.graph() != inputs.left.graph()) right_edge.from = -1;
  node.inputs = {inputs.left_edge, std::move(right_edge)};
  node.make_operator = std::move(factory);
  node.validate = std::move(validate);
  node.needs_event_time = true;  // every join matches or expires by event time
  const auto& graph = inputs.left.graph();
  return Stream<R>(graph, graph->AddNode(std::move(node)));
}

}  // namespace sluice
