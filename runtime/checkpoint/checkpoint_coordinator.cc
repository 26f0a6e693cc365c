#include "sluice/runtime/checkpoint/checkpoint_coordinator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/storage/crash_point.h"

namespace sluice {

CheckpointCoordinator::CheckpointCoordinator(CheckpointStorage* storage, Options options,
                                             int64_t last_id,
                                             std::function<void(absl::Status)> fail,
                                             std::function<void(std::string_view)> warn)
    : storage_(storage),
      options_(options),
      fail_(std::move(fail)),
      warn_(std::move(warn)),
      next_id_(last_id + 1) {}

CheckpointCoordinator::~CheckpointCoordinator() { Stop(); }

void CheckpointCoordinator::SetParticipants(std::vector<CheckpointParticipant*> tasks,
                                            std::vector<bool> is_source) {
  tasks_ = std::move(tasks);
  is_source_ = std::move(is_source);
  finished_.assign(tasks_.size(), std::nullopt);
}

void CheckpointCoordinator::AddFixedBlob(std::string name, std::string bytes) {
  fixed_.emplace_back(std::move(name), std::move(bytes));
}

void CheckpointCoordinator::Start() {
  if (storage_ == nullptr || options_.interval <= std::chrono::milliseconds::zero())
    return;
  thread_ = std::thread([this] { Loop(); });
}

void CheckpointCoordinator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  // A savepoint another thread is taking ends too (its tasks finished or were
  // cancelled, so it completes or is given up promptly).
  std::lock_guard<std::mutex> run(run_mutex_);
}

void CheckpointCoordinator::Abandon() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    abandoned_ = true;
  }
  changed_.notify_all();
}

void CheckpointCoordinator::Loop() {
  auto next = Clock::now() + options_.interval;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (changed_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    absl::Status status = TakeCheckpoint(
        [this](int64_t id) { return storage_->Begin(id); }, /*periodic=*/true);
    if (absl::IsDeadlineExceeded(status)) {
      // The job goes on; the next checkpoint may make it.
      warn_(std::string(status.message()));
    } else if (!status.ok() && !absl::IsAborted(status)) {
      fail_(absl::Status(status.code(),
                         absl::StrCat("checkpoint failed: ", status.message())));
      return;
    }
    // The interval runs from the end of one checkpoint to the start of the next, so
    // a slow checkpoint never queues the next one behind it.
    next = Clock::now() + options_.interval;
  }
}

absl::Status CheckpointCoordinator::TakeCheckpoint(const BeginFn& begin, bool periodic) {
  std::lock_guard<std::mutex> run(run_mutex_);
  absl::StatusOr<std::unique_ptr<CheckpointWriter>> made = begin(next_id_++);
  if (!made.ok()) return made.status();
  std::unique_ptr<CheckpointWriter> writer = std::move(*made);
  absl::Status status = Run(*writer, periodic);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.reset();
    if (!status.ok()) ++stats_.failed;
  }
  if (!status.ok()) {
    writer->Abort();
    return status;
  }
  CrashPoint("checkpoint.before_notify");
  for (CheckpointParticipant* task : tasks_) {
    task->NotifyCheckpointCompleteAsync(writer->id());
  }
  return absl::OkStatus();
}

absl::Status CheckpointCoordinator::Run(CheckpointWriter& writer, bool periodic) {
  const Clock::time_point start = Clock::now();
  const auto deadline = start + options_.timeout;
  const int64_t id = writer.id();
  // Cancelled tasks never acknowledge: stop waiting for them. Tasks that all
  // finished acknowledge at once, even in a job cancelled after its end.
  auto all_finished = [&] {
    return std::all_of(finished_.begin(), finished_.end(),
                       [](const auto& snapshot) { return snapshot.has_value(); });
  };
  auto given_up = [&] {
    return (abandoned_ && !all_finished()) || (periodic && stopping_);
  };
  std::vector<CheckpointParticipant*> inject;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (given_up()) return absl::AbortedError("the job stopped");
    in_flight_.emplace();
    in_flight_->id = id;
    in_flight_->acked.assign(tasks_.size(), false);
    in_flight_->remaining = static_cast<int>(tasks_.size());
    for (size_t t = 0; t < tasks_.size(); ++t) {
      if (finished_[t]) {
        AckLocked(static_cast<int>(t), *finished_[t]);
      } else if (is_source_[t]) {
        inject.push_back(tasks_[t]);
      }
    }
  }
  for (CheckpointParticipant* source : inject) source->RequestBarrier(id);
  Written written;
  for (const auto& [name, blob] : fixed_) {
    if (absl::Status s = writer.Put(name, blob); !s.ok()) return s;
    written.bytes += blob.size();
  }
  for (;;) {
    if (absl::Status s = WriteArrived(writer, &written); !s.ok()) return s;
    std::unique_lock<std::mutex> lock(mutex_);
    const bool woke = changed_.wait_until(lock, deadline, [&] {
      return given_up() || !in_flight_->arrived.empty() || in_flight_->remaining == 0;
    });
    if (in_flight_->remaining == 0 && in_flight_->arrived.empty()) break;
    if (!in_flight_->arrived.empty()) continue;  // written first, whatever else
    if (given_up()) return absl::AbortedError("the job stopped");
    if (!woke) {
      return absl::DeadlineExceededError(absl::StrCat(
          "checkpoint ", id, " timed out after ", options_.timeout.count(), " ms with ",
          in_flight_->remaining, " of ", tasks_.size(), " tasks not acknowledged"));
    }
  }
  if (absl::Status s = writer.Commit(); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.completed;
  stats_.last_id = id;
  stats_.last_duration_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  stats_.last_size_bytes = written.bytes;
  stats_.last_alignment_ms = static_cast<double>(written.alignment_nanos) / 1e6;
  stats_.last_sync_ms = static_cast<double>(written.sync_nanos) / 1e6;
  stats_.largest_size_bytes = std::max(stats_.largest_size_bytes, written.bytes);
  stats_.longest_sync_ms = std::max(stats_.longest_sync_ms, stats_.last_sync_ms);
  return absl::OkStatus();
}

absl::Status CheckpointCoordinator::WriteArrived(CheckpointWriter& writer,
                                                 Written* written) {
  std::vector<TaskSnapshot> arrived;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    arrived.swap(in_flight_->arrived);
  }
  for (const TaskSnapshot& snapshot : arrived) {
    written->alignment_nanos =
        std::max(written->alignment_nanos, snapshot.alignment_nanos);
    written->sync_nanos = std::max(written->sync_nanos, snapshot.sync_nanos);
    if (absl::Status s = writer.PutAll(snapshot.blobs); !s.ok()) return s;
    for (const auto& [name, blob] : snapshot.blobs) written->bytes += blob.size();
  }
  return absl::OkStatus();
}

void CheckpointCoordinator::AckLocked(int task, TaskSnapshot snapshot) {
  if (in_flight_->acked[task]) return;
  in_flight_->acked[task] = true;
  --in_flight_->remaining;
  in_flight_->arrived.push_back(std::move(snapshot));
}

void CheckpointCoordinator::Acknowledge(int task, int64_t id, TaskSnapshot snapshot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A barrier of a checkpoint given up (timed out) is acknowledged too late.
    if (!in_flight_ || in_flight_->id != id) return;
    AckLocked(task, std::move(snapshot));
  }
  changed_.notify_all();
}

void CheckpointCoordinator::TaskFinished(int task, TaskSnapshot final_snapshot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_[task] = final_snapshot;
    // The task may have finished before its barrier came (a source reaching its end
    // first): what it holds now covers everything its consumers received.
    if (in_flight_) AckLocked(task, std::move(final_snapshot));
  }
  changed_.notify_all();
}

CheckpointStats CheckpointCoordinator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace sluice
