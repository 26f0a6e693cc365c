// Adds an operator with two inputs of different types (a join) to a dataflow: input
// 0 reads `left_edge` (A), input 1 reads `right_edge` (B). For the join builders.
#pragma once

#include <functional>
#include <string>
#include <typeindex>
#include <utility>

#include "absl/status/status.h"
#include "engine/logical_graph.h"
#include "engine/stream.h"
#include "runtime/type_name.h"

namespace sluice {

template <class R, class A, class B, class Factory>
Stream<R> AddTwoInputNode(std::string kind, const Stream<A>& left, LogicalEdge left_edge,
                          const Stream<B>& right, LogicalEdge right_edge, Factory factory,
                          std::function<absl::Status()> validate = nullptr) {
  LogicalNode node;
  node.kind = std::move(kind);
  node.in_type = typeid(A);
  node.in_type_name = TypeName<A>();
  node.out_type = typeid(R);
  node.out_type_name = TypeName<R>();
  node.input_types = {{typeid(A), TypeName<A>()}, {typeid(B), TypeName<B>()}};
  // A stream of another dataflow is refused when the graph is validated.
  if (right.graph() != left.graph()) right_edge.from = -1;
  node.inputs = {std::move(left_edge), std::move(right_edge)};
  node.make_operator = std::move(factory);
  node.validate = std::move(validate);
  return Stream<R>(left.graph(), left.graph()->AddNode(std::move(node)));
}

}  // namespace sluice
