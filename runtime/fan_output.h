// Sends everything to several outputs: a chain whose last operator feeds more than
// one downstream edge. Every output but the last gets a copy of each batch.
#pragma once

#include <memory>
#include <vector>

#include "runtime/output.h"

namespace sluice {

class FanOutput final : public Output {
 public:
  explicit FanOutput(std::vector<std::unique_ptr<Output>> outputs)
      : outputs_(std::move(outputs)) {}

  void Emit(BatchPtr batch) override {
    if (outputs_.empty() || batch->size() == 0) return;
    for (size_t i = 0; i + 1 < outputs_.size(); ++i) outputs_[i]->Emit(CloneBatch(batch));
    outputs_.back()->Emit(std::move(batch));
  }
  void EmitControl(ElementKind kind, int64_t value) override {
    for (auto& output : outputs_) output->EmitControl(kind, value);
  }
  void Flush() override {
    for (auto& output : outputs_) output->Flush();
  }
  bool HasRoom() const override {
    for (const auto& output : outputs_) {
      if (!output->HasRoom()) return false;
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<Output>> outputs_;
};

}  // namespace sluice
