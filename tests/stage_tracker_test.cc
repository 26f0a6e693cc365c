// StageTracker: nested calls restore the caller's stage, a throw leaves the stage
// that threw, and every kind of failure becomes the Status the job reports, checked
// against hand-written messages.
#include "sluice/runtime/stage_tracker.h"

#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/runtime/operator_error.h"

namespace sluice {
namespace {

StageTracker Tracker() {
  return StageTracker([](int stage) { return absl::StrCat("stage ", stage); });
}

TEST(StageTrackerTest, NestedCallsRestoreTheCallersStage) {
  StageTracker tracker = Tracker();
  EXPECT_EQ(tracker.current(), -1);
  int seen_inner = -2;
  int seen_outer_after = -2;
  const int result = tracker.At(0, [&] {
    tracker.At(1, [&] { seen_inner = tracker.current(); });
    seen_outer_after = tracker.current();
    return 7;
  });
  EXPECT_EQ(result, 7);
  EXPECT_EQ(seen_inner, 1);
  EXPECT_EQ(seen_outer_after, 0);
  EXPECT_EQ(tracker.current(), -1);
}

TEST(StageTrackerTest, AThrowLeavesTheStageThatThrew) {
  StageTracker tracker = Tracker();
  try {
    tracker.At(0, [&] { tracker.At(2, [] { throw std::runtime_error("bad"); }); });
    FAIL() << "no exception";
  } catch (const std::runtime_error&) {
    EXPECT_EQ(tracker.current(), 2);
    EXPECT_EQ(tracker.Failure(), absl::UnknownError("stage 2 threw: bad"));
  }
}

TEST(StageTrackerTest, GuardedNamesTheStageAndTheCall) {
  StageTracker tracker = Tracker();
  EXPECT_EQ(tracker.Guarded(0, "Open", [] { return absl::OkStatus(); }),
            absl::OkStatus());
  EXPECT_EQ(tracker.Guarded(1, "Open", [] {}), absl::OkStatus());
  EXPECT_EQ(tracker.Guarded(3, "Open", [] { return absl::NotFoundError("no file"); }),
            absl::NotFoundError("stage 3: no file"));
  EXPECT_EQ(
      tracker.Guarded(4, "Close",
                      []() -> absl::Status { throw std::runtime_error("disk full"); }),
      absl::UnknownError("stage 4: threw in Close: disk full"));
  EXPECT_EQ(tracker.Guarded(5, "Close", [] { throw 42; }),
            absl::UnknownError("stage 5: threw a non-standard exception in Close"));
}

TEST(StageTrackerTest, AnOperatorErrorKeepsItsCode) {
  StageTracker tracker = Tracker();
  EXPECT_EQ(
      tracker.Guarded(0, "Open",
                      [] { throw OperatorError(absl::DataLossError("torn record")); }),
      absl::DataLossError("stage 0: torn record"));
  try {
    tracker.At(1, [] { throw OperatorError(absl::InvalidArgumentError("bad key")); });
  } catch (...) {
    EXPECT_EQ(tracker.Failure(), absl::InvalidArgumentError("stage 1: bad key"));
  }
  try {
    tracker.At(6, [] { throw 1; });
  } catch (...) {
    EXPECT_EQ(tracker.Failure(),
              absl::UnknownError("stage 6 threw a non-standard exception"));
  }
}

TEST(StageTrackerTest, NamedLeavesOkAlone) {
  StageTracker tracker = Tracker();
  EXPECT_EQ(tracker.Named(0, absl::OkStatus()), absl::OkStatus());
  EXPECT_EQ(tracker.Named(-1, absl::AbortedError("gone")),
            absl::AbortedError("stage -1: gone"));
}

}  // namespace
}  // namespace sluice
