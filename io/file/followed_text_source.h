// An unbounded source of the lines appended to a text file, as `tail -F` sees them:
//
//   flow.Source(sluice::FollowedTextSource("/var/log/app/app.log"))
//
// Lines (std::string, without "\n") come once each, in order, across log rotation
// (the file renamed away and a new one created) and truncation (copytruncate); see
// line_follower.h. One instance reads the file. The job runs until cancelled. Its
// position (file identity and offset) is recorded in checkpoints.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/file/line_follower.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {

class FollowedTextSource final : public SourceSpec<std::string> {
 public:
  explicit FollowedTextSource(std::string path) : path_(std::move(path)) {}

  // Only lines appended after the job starts (default: the whole file first).
  [[nodiscard]] FollowedTextSource FromEnd() const {
    FollowedTextSource copy = *this;
    copy.from_end_ = true;
    return copy;
  }
  // With nothing new, look again after this long (default 50 ms).
  [[nodiscard]] FollowedTextSource PollEvery(std::chrono::milliseconds poll) const {
    FollowedTextSource copy = *this;
    copy.poll_ = poll;
    return copy;
  }

  std::string Kind() const override { return "follow_text_file"; }
  int MaxParallelism() const override { return 1; }
  absl::Status Validate() const override {
    if (path_.empty())
      return absl::InvalidArgumentError("FollowedTextSource: empty path");
    if (poll_.count() < 1) {
      return absl::InvalidArgumentError("FollowedTextSource: PollEvery must be >= 1 ms");
    }
    return absl::OkStatus();
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Reader>(path_, from_end_, poll_);
  }

 private:
  class Reader final : public SourceOperator {
   public:
    Reader(std::string path, bool from_end, std::chrono::milliseconds poll)
        : path_(std::move(path)), from_end_(from_end), poll_(poll) {}

    absl::Status Open(const OperatorContext& context) override {
      sizer_ = BatchSizer(context);
      std::optional<LineFollower::Position> resume;
      const auto* states = context.restored_states;
      if (states != nullptr && !states->empty() && !states->front().empty()) {
        StateReader reader(states->front());
        DecodeState(reader, resume.emplace());
        if (reader.failed() || !reader.done()) {
          return absl::DataLossError(absl::StrCat(
              "FollowedTextSource ", path_, ": the checkpointed position is damaged"));
        }
      }
      follower_.emplace(path_, from_end_, resume ? &*resume : nullptr, WarnOnStderr);
      return follower_->Start();
    }

    bool SupportsCheckpoints() const override { return true; }
    // The file (device, inode) and the offset after the last line emitted.
    absl::StatusOr<std::string> SnapshotState() override {
      LineFollower::Position position = follower_->position();
      std::string out;
      StateWriter writer(out);
      EncodeState(position, writer);
      return out;
    }

    absl::StatusOr<SourceStep> Produce(Output& out) override {
      BatchPtr batch = AcquireBatch<std::string>();
      auto& lines = BatchAs<std::string>(batch).items;
      if (absl::Status s = follower_->Poll(sizer_.Next(), &lines); !s.ok()) return s;
      if (lines.empty()) {
        auto wake = std::chrono::steady_clock::now() + poll_;
        return SourceStep::WaitUntil(
            std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch())
                .count());
      }
      out.Emit(std::move(batch));
      return SourceStep::More();
    }

   private:
    static void WarnOnStderr(std::string_view message) {
      std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()),
                   message.data());
    }

    std::string path_;
    bool from_end_;
    std::optional<LineFollower> follower_;  // made in Open, which knows the position
    std::chrono::milliseconds poll_;
    BatchSizer sizer_;
  };

  std::string path_;
  bool from_end_ = false;
  std::chrono::milliseconds poll_{50};
};

}  // namespace sluice
