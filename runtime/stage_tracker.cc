#include "sluice/runtime/stage_tracker.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {

absl::Status StageTracker::Named(int stage, const absl::Status& status) const {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(describe_(stage), ": ", status.message()));
}

absl::Status StageTracker::Failure(std::string_view call) const {
  const std::string who = describe_(current_);
  const std::string in = call.empty() ? "" : absl::StrCat(" in ", std::string(call));
  try {
    throw;
  } catch (const OperatorError& e) {
    return absl::Status(e.status().code(), absl::StrCat(who, ": ", e.status().message()));
  } catch (const std::exception& e) {
    return absl::UnknownError(call.empty()
                                  ? absl::StrCat(who, " threw: ", e.what())
                                  : absl::StrCat(who, ": threw", in, ": ", e.what()));
  } catch (...) {
    return absl::UnknownError(absl::StrCat(who, call.empty() ? " " : ": ",
                                           "threw a non-standard exception", in));
  }
}

}  // namespace sluice
