// Prints each event as one line on standard output, formatted by a user function:
//
//   stream.Sink(sluice::StdoutSink<Alert>([](const Alert& a) { return a.ToJson(); }))
//
// Runs as a single instance so lines from different instances never interleave.
// Nothing survives a crash that is not already written; a restored job prints again
// what came after its checkpoint (at least once).
#pragma once

#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

template <class T>
class StdoutSink final : public SinkSpec<T> {
 public:
  // Type-erased: one indirect call per line is small beside formatting and writing it.
  using Format = std::function<std::string(const T&)>;

  explicit StdoutSink(Format format) : format_(std::move(format)) {}

  std::string Kind() const override { return "stdout"; }
  int MaxParallelism() const override { return 1; }
  std::unique_ptr<Operator> CreateInstance() const override {
    return std::make_unique<Instance>(format_);
  }

 private:
  class Instance final : public Operator {
   public:
    explicit Instance(Format format) : format_(std::move(format)) {}
    void ProcessBatch(int, BatchPtr batch, Output&) override {
      line_.clear();
      for (const T& item : BatchAs<T>(batch).items) {
        line_ += format_(item);
        line_ += '\n';
      }
      if (std::fwrite(line_.data(), 1, line_.size(), stdout) != line_.size()) {
        throw OperatorError(
            absl::ErrnoToStatus(errno, "cannot write to standard output"));
      }
    }
    absl::Status Close() override {
      if (std::fflush(stdout) != 0) {
        return absl::ErrnoToStatus(errno, "cannot write to standard output");
      }
      return absl::OkStatus();
    }

   private:
    Format format_;
    std::string line_;
  };
  Format format_;
};

}  // namespace sluice
