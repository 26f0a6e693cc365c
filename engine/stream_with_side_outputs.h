// The result of an operator with side outputs (a window that sends late events aside,
// a keyed process function that declares SideOutputs): its main output, as a
// Stream<T>, and one stream per output tag (operators/output_tag.h):
//
//   auto results = keyed.Window(w).SideOutputLateData(LateSales{}).Aggregate(a);
//   results.Sink(...);                               // Stream<WindowResult<K, R>>
//   results.SideOutput(LateSales{}).Sink(...);       // Stream<Sale>
#pragma once

#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "sluice/engine/stream.h"
#include "sluice/operators/output_tag.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

template <class T, class Tags>
class StreamWithSideOutputs : public Stream<T> {
 public:
  static_assert(ValidTags<Tags>::value,
                "side outputs: list sluice::OutputTag<Type, \"name\"> types in a "
                "std::tuple, with distinct names");

  // `main` is output 0 of its node; this declares outputs 1, 2, ..., one per tag.
  static StreamWithSideOutputs Declare(Stream<T> main) {
    DeclareEach(main.graph()->node(main.node_id()).side_outputs,
                static_cast<Tags*>(nullptr));
    return StreamWithSideOutputs(std::move(main));
  }

  // As Stream's, but keeping this type, so .Name("w").SideOutput(tag) compiles.
  StreamWithSideOutputs Name(std::string name) const {
    Stream<T>::Name(std::move(name));
    return *this;
  }
  StreamWithSideOutputs Parallelism(int parallelism) const {
    Stream<T>::Parallelism(parallelism);
    return *this;
  }

  // What the operator sent to `Tag`, with the timestamps it had.
  template <class Tag>
  Stream<typename Tag::Type> SideOutput(Tag) const {
    constexpr size_t kIndex = TagIndex<Tag, Tags>::value;
    static_assert(kIndex < std::tuple_size_v<Tags>,
                  "SideOutput(tag): this operator has no side output with that tag (a "
                  "window needs SideOutputLateData(tag); a process function lists its "
                  "tags in `using SideOutputs = std::tuple<...>`)");
    return Stream<typename Tag::Type>(this->graph(), this->node_id(),
                                      Partitioning::kForward,
                                      /*output=*/static_cast<int>(kIndex) + 1);
  }

 private:
  template <class... Each>
  static void DeclareEach(std::vector<::sluice::SideOutput>& outputs,
                          std::tuple<Each...>*) {
    (outputs.push_back(::sluice::SideOutput{std::string(Each::name()),
                                            typeid(typename Each::Type),
                                            TypeName<typename Each::Type>()}),
     ...);
  }

  explicit StreamWithSideOutputs(Stream<T> main) : Stream<T>(std::move(main)) {}
};

}  // namespace sluice
