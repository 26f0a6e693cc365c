// Sends a chain's output to several downstream edges: a chain whose last operator
// feeds more than one edge, or has a side output. Each edge reads one of the
// operator's outputs (0 the main stream, k >= 1 side output k); a batch goes to every
// edge reading its output, all but the last of them getting a copy. Control
// elements go to every edge.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "sluice/runtime/output.h"

namespace sluice {

class FanOutput final : public Output {
 public:
  struct Route {
    int output = 0;
    std::unique_ptr<Output> edge;
  };

  explicit FanOutput(std::vector<Route> routes) : routes_(std::move(routes)) {}

  void Emit(BatchPtr batch) override { Send(0, std::move(batch)); }
  void EmitSide(int output, BatchPtr batch) override { Send(output, std::move(batch)); }
  void EmitControl(ElementKind kind, int64_t value) override {
    for (auto& route : routes_) route.edge->EmitControl(kind, value);
  }
  void Flush() override {
    for (auto& route : routes_) route.edge->Flush();
  }
  bool HasRoom() const override {
    for (const auto& route : routes_) {
      if (!route.edge->HasRoom()) return false;
    }
    return true;
  }

 private:
  void Send(int output, BatchPtr batch) {
    if (batch->size() == 0) return;
    Output* last = nullptr;
    for (auto& route : routes_) {
      if (route.output != output) continue;
      if (last != nullptr) last->Emit(CloneBatch(batch));
      last = route.edge.get();
    }
    if (last != nullptr) last->Emit(std::move(batch));
  }

  std::vector<Route> routes_;
};

}  // namespace sluice
