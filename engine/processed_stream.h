// The result of KeyedStream::Process: the function's main output, and its side
// outputs (the types listed in the function's `using SideOutputs = std::tuple<...>`).
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

#include "engine/stream.h"

namespace sluice {

template <class R, class Sides>
class ProcessedStream : public Stream<R> {
 public:
  explicit ProcessedStream(Stream<R> main) : Stream<R>(std::move(main)) {}

  // As Stream's, but keeping this type, so .Name("p").SideOutput<0>() compiles.
  ProcessedStream Name(std::string name) const {
    Stream<R>::Name(std::move(name));
    return *this;
  }
  ProcessedStream Parallelism(int parallelism) const {
    Stream<R>::Parallelism(parallelism);
    return *this;
  }

  // Side output I (0-based): what the function sent with ctx.EmitSide<I>(...), with
  // the timestamps current at the time.
  template <size_t I>
  Stream<std::tuple_element_t<I, Sides>> SideOutput() const {
    static_assert(I < std::tuple_size_v<Sides>,
                  "SideOutput<I>(): the process function's SideOutputs has no entry I");
    return Stream<std::tuple_element_t<I, Sides>>(this->graph(), this->node_id(),
                                                  Partitioning::kForward,
                                                  /*output=*/static_cast<int>(I) + 1);
  }
};

}  // namespace sluice
