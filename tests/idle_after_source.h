// A test source that emits its events once, then idles without ending: an unbounded
// stream with nothing more to say, so only processing time (a ManualClock) moves a
// job that reads it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/sluice.h"

namespace sluice::testing {

template <class T>
class IdleAfter final : public SourceSpec<T> {
 public:
  explicit IdleAfter(std::vector<T> events) : events_(std::move(events)) {}
  std::string Kind() const override { return "idle_after"; }
  int MaxParallelism() const override { return 1; }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Instance>(events_);
  }

 private:
  class Instance final : public SourceOperator {
   public:
    explicit Instance(std::vector<T> events) : events_(std::move(events)) {}
    absl::Status Open(const OperatorContext&) override { return absl::OkStatus(); }
    absl::StatusOr<SourceStep> Produce(Output& out) override {
      if (!sent_) {
        BatchPtr batch = AcquireBatch<T>();
        BatchAs<T>(batch).items.assign(events_.begin(), events_.end());
        out.Emit(std::move(batch));
        sent_ = true;
      }
      auto hour = std::chrono::steady_clock::now() + std::chrono::hours(1);
      return SourceStep::WaitUntil(
          std::chrono::duration_cast<std::chrono::nanoseconds>(hour.time_since_epoch())
              .count());
    }

   private:
    std::vector<T> events_;
    bool sent_ = false;
  };
  std::vector<T> events_;
};

}  // namespace sluice::testing
