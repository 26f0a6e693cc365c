// How an operator fails the job from ProcessBatch, ProcessWatermark or Finish, which
// return nothing because the hot path should not test a status per batch: it throws
// an OperatorError. The task catches it and fails the job with the status's code and
// message, prefixed with the operator's name and instance. (Any other exception fails
// the job too, but as UNKNOWN "... threw: what()".)
//
//   if (!writer.status().ok()) throw sluice::OperatorError(writer.status());
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "absl/status/status.h"

namespace sluice {

class OperatorError : public std::runtime_error {
 public:
  explicit OperatorError(absl::Status status)
      : std::runtime_error(std::string(status.message())), status_(std::move(status)) {}

  const absl::Status& status() const { return status_; }

 private:
  absl::Status status_;
};

}  // namespace sluice
