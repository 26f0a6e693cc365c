// A source that calls a user function for event indices 0, 1, 2, ...:
//
//   flow.Source(sluice::GeneratorSource([](uint64_t i) { return Event{i}; }).Count(1000))
//
// The event type is deduced from the function. Unbounded by default; Count() bounds
// it, RatePerSecond() paces it (without spinning: the task sleeps on the scheduler's
// timer). Parallel instance i produces indices i, i+P, ...
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {

template <class T, class F>
class GeneratorSource final : public SourceSpec<T> {
 public:
  explicit GeneratorSource(F fn) : fn_(std::move(fn)) {}

  // Stops after `count` events in total (over all parallel instances).
  [[nodiscard]] GeneratorSource Count(uint64_t count) const {
    GeneratorSource copy = *this;
    copy.count_ = count;
    return copy;
  }
  // Emits at most `events_per_second` in total (over all parallel instances).
  [[nodiscard]] GeneratorSource RatePerSecond(double events_per_second) const {
    GeneratorSource copy = *this;
    copy.rate_ = events_per_second;
    return copy;
  }

  std::string Kind() const override { return "generator"; }
  absl::Status Validate() const override {
    if (rate_ < 0) return absl::InvalidArgumentError("generator: rate must be >= 0");
    return absl::OkStatus();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Instance>(fn_, count_, rate_);
  }

 private:
  class Instance final : public SourceOperator {
   public:
    Instance(F fn, uint64_t count, double rate)
        : fn_(std::move(fn)), count_(count), rate_(rate) {}

    absl::Status Open(const OperatorContext& context) override {
      sizer_ = BatchSizer(context);
      next_ = static_cast<uint64_t>(context.instance);
      stride_ = static_cast<uint64_t>(context.parallelism);
      instance_rate_ = rate_ / context.parallelism;
      start_ = std::chrono::steady_clock::now();
      if (context.restored_states != nullptr) return Restore(context);
      return absl::OkStatus();
    }

    bool SupportsCheckpoints() const override { return true; }
    // The next index this instance generates.
    absl::StatusOr<std::string> SnapshotState() override {
      std::string out;
      StateWriter writer(out);
      EncodeState(next_, writer);
      return out;
    }

    absl::StatusOr<SourceStep> Produce(Output& out) override {
      if (next_ >= count_) return SourceStep::End();
      size_t want = sizer_.Next();
      if (instance_rate_ > 0) {
        auto now = std::chrono::steady_clock::now();
        double elapsed = std::chrono::duration<double>(now - start_).count();
        double due = elapsed * instance_rate_ - static_cast<double>(produced_);
        if (due < 1) {
          auto wait = std::chrono::duration<double>((1 - due) / instance_rate_);
          auto wake = now + std::chrono::duration_cast<std::chrono::nanoseconds>(wait);
          return SourceStep::WaitUntil(
              std::chrono::duration_cast<std::chrono::nanoseconds>(
                  wake.time_since_epoch())
                  .count());
        }
        want = std::min<size_t>(want, static_cast<size_t>(due));
      }
      BatchPtr batch = AcquireBatch<T>();
      auto& items = BatchAs<T>(batch).items;
      items.reserve(want);
      for (size_t i = 0; i < want && next_ < count_; ++i) {
        items.push_back(fn_(next_));
        next_ += stride_;
      }
      produced_ += items.size();
      out.Emit(std::move(batch));
      return next_ >= count_ ? SourceStep::End() : SourceStep::More();
    }

   private:
    // Instance i generates i, i + P, ...: resuming needs the same P.
    absl::Status Restore(const OperatorContext& context) {
      const std::vector<std::string>& states = *context.restored_states;
      if (states.size() != static_cast<size_t>(context.parallelism)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "generator: the checkpoint was taken at parallelism ", states.size(),
            "; a generator resumes only at the same parallelism (", context.parallelism,
            " now)"));
      }
      StateReader reader(states[context.instance]);
      DecodeState(reader, next_);
      if (reader.failed() || !reader.done() ||
          next_ % stride_ != static_cast<uint64_t>(context.instance) % stride_) {
        return absl::DataLossError("generator: the checkpointed position is damaged");
      }
      // Pacing starts over from the restored position.
      produced_ = 0;
      return absl::OkStatus();
    }

    F fn_;
    uint64_t count_;
    double rate_;
    double instance_rate_ = 0;
    BatchSizer sizer_;
    uint64_t next_ = 0;
    uint64_t stride_ = 1;
    uint64_t produced_ = 0;
    std::chrono::steady_clock::time_point start_;
  };

  F fn_;
  uint64_t count_ = std::numeric_limits<uint64_t>::max();
  double rate_ = 0;
};

// GeneratorSource([](uint64_t i) { return Event{i}; }) is a GeneratorSource<Event, ...>.
template <class F>
GeneratorSource(F)
    -> GeneratorSource<std::decay_t<std::invoke_result_t<const F&, uint64_t>>, F>;

}  // namespace sluice
