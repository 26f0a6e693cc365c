#include "sluice/io/log/log_partition.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "sluice/runtime/status_macros.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

bool RetentionOn(const LogConfig& config) {
  return config.retention_bytes >= 0 || config.retention_ms >= 0;
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogPartition>> LogPartition::Open(std::string dir,
                                                                 const LogConfig& config,
                                                                 Access access,
                                                                 LogWarning warn,
                                                                 Check check) {
  if (absl::Status s = config.Validate(); !s.ok()) return s;
  if (!warn) warn = [](std::string_view) {};
  std::unique_ptr<LogPartition> partition(
      new LogPartition(std::move(dir), config, access, std::move(warn), check));
  if (access == Access::kReadWrite) {
    if (absl::Status s = partition->CreateDirectoryAndLock(); !s.ok()) return s;
  }
  if (absl::Status s = partition->Load(); !s.ok()) return s;
  return partition;
}

LogPartition::~LogPartition() {
  // kNone leaves even the last appends to the OS.
  if (access_ == Access::kReadWrite && unsynced_ && failed_.ok() &&
      config_.fsync != FsyncPolicy::kNone) {
    (void)Sync();
  }
}

// Creates the directory if it is new (durably: its parent is synced) and takes the
// writer's lock, so that a second writer, in this process or another, is refused.
absl::Status LogPartition::CreateDirectoryAndLock() {
  std::error_code error;
  if (fs::create_directories(dir_, error)) {
    fs::path parent = fs::path(dir_).parent_path();
    if (absl::Status s = SyncDirectory(parent.empty() ? "." : parent.string()); !s.ok()) {
      return s;
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create log partition ", dir_, ": ", error.message()));
  }
  auto lock = PosixFile::Open(dir_ + "/.lock", PosixFile::Mode::kCreateOrOpen);
  if (!lock.ok()) return lock.status();
  writer_lock_ = std::move(*lock);
  if (absl::Status s = writer_lock_.TryLockExclusive(); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log partition ", dir_,
        " is already open for writing (by another process or another LogPartition "
        "in this one): ",
        s.message()));
  }
  return absl::OkStatus();
}

absl::Status LogPartition::Load() {
  std::error_code error;
  if (access_ == Access::kReadOnly && !fs::exists(dir_, error)) {
    missing_ = absl::StrCat("the partition directory ", dir_, " is missing");
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(LogSegment::Files files, LogSegment::ListFiles(dir_));
  SLUICE_RETURN_IF_ERROR(LoadMeta(files.bases));
  if (files.bases.empty()) {
    if (meta_found_ || !files.orphans.empty()) {
      missing_ = absl::StrCat("every segment file of ", dir_, " is missing");
      return access_ == Access::kReadWrite ? RefuseDamaged() : absl::OkStatus();
    }
    if (access_ == Access::kReadOnly) return absl::OkStatus();  // nothing written yet
    // A new partition: its first segment, then the record of where it starts (whose
    // write syncs the directory).
    SLUICE_ASSIGN_OR_RETURN(
        auto first,
        LogSegment::Create(dir_, 0, config_.index_interval_bytes, MaxSegmentSize()));
    segments_.push_back(std::move(first));
    meta_found_ = true;
    return meta_.Write(dir_);
  }
  SLUICE_RETURN_IF_ERROR(OpenSegments(files.bases));
  NoteMissingLastSegments(files.orphans);
  if (access_ == Access::kReadOnly) {
    for (const LogProblem& problem : ProblemsLocked()) {
      if (!problem.note) warn_(problem.ToString());
    }
    return absl::OkStatus();
  }
  SLUICE_RETURN_IF_ERROR(RefuseDamaged());
  if (!meta_found_) {
    warn_(absl::StrCat("log partition ", dir_, ": no ", PartitionMeta::Path(dir_),
                       " (a log written by an older build, or the file was deleted): "
                       "recording that the partition starts at offset ",
                       meta_.start_offset));
    SLUICE_RETURN_IF_ERROR(meta_.Write(dir_));
    meta_found_ = true;
  }
  return LoadProducers();
}

absl::Status LogPartition::LoadMeta(const std::vector<int64_t>& bases) {
  meta_ = PartitionMeta{};
  meta_.config = config_;
  auto meta = PartitionMeta::Read(dir_);
  if (meta.ok()) {
    meta_.start_offset = meta->start_offset;
    meta_.lost = std::move(meta->lost);
    meta_found_ = true;
    return absl::OkStatus();
  }
  if (absl::IsDataLoss(meta.status())) {
    meta_problem_ = std::string(meta.status().message());
  } else if (!absl::IsNotFound(meta.status())) {
    return meta.status();
  }
  // Without retention nothing is ever deleted: the records start at 0.
  meta_.start_offset = RetentionOn(config_) && !bases.empty() ? bases.front() : 0;
  return absl::OkStatus();
}

absl::Status LogPartition::OpenSegments(const std::vector<int64_t>& bases) {
  // Segments ending at or before the start: retention recorded the new start and was
  // cut short before deleting them.
  size_t first = 0;
  while (first + 1 < bases.size() && bases[first + 1] <= meta_.start_offset) ++first;
  if (access_ == Access::kReadWrite && first > 0) {
    for (size_t i = 0; i < first; ++i) {
      const std::string stem = LogSegment::FileStem(dir_, bases[i]);
      for (const char* suffix : {".log", ".index", ".producers"}) {
        std::error_code ignored;
        fs::remove(stem + suffix, ignored);
      }
    }
    warn_(absl::StrCat("log partition ", dir_, ": deleted ", first,
                       " segment(s) before offset ", meta_.start_offset,
                       " that retention had let go of"));
    SLUICE_RETURN_IF_ERROR(SyncDirectory(dir_));
  }
  return OpenSegmentsFrom(bases, first);
}

// The producer table as of the last segment's start is its snapshot; failing that
// (a log written by an older build, a roll cut short by a crash, a damaged file),
// the newest snapshot of an older segment still here plus the segments after it,
// or failing that every segment. The last segment is read on top.
absl::Status LogPartition::LoadProducers() {
  size_t from = segments_.size() - 1;  // the first segment not in the table
  absl::Status why = absl::OkStatus();
  for (;; --from) {
    auto snapshot = ProducerTable::ReadSnapshot(dir_, segments_[from]->base_offset());
    if (snapshot.ok()) {
      producers_ = std::move(*snapshot);
      break;
    }
    if (why.ok()) why = snapshot.status();
    if (from == 0) {
      producers_ = ProducerTable();
      break;
    }
  }
  const size_t last = segments_.size() - 1;
  const bool fresh = last == 0 && segments_[0]->base_offset() == 0;
  if (from < last && !fresh) {
    warn_(absl::StrCat("log partition ", dir_, ": rebuilding the producer table from ",
                       last - from, " segment(s): ", why.message()));
  }
  for (size_t i = from; i < last; ++i) {
    if (absl::Status s = ScanProducers(*segments_[i]); !s.ok()) return s;
  }
  // Saves the next open the scan. The snapshot holds only sealed (synced) segments'
  // batches; without it the next open scans again, so a failure is only reported.
  if (from < last) {
    if (absl::Status s = producers_.WriteSnapshot(dir_, segments_[last]->base_offset());
        !s.ok()) {
      warn_(absl::StrCat("log partition ", dir_,
                         ": cannot save the rebuilt producer table: ", s.message()));
    }
  }
  return ScanProducers(*segments_[last]);
}

// Takes in the producers of `segment`'s batches. Damage found here fails the open:
// a producer table with batches missing could let a batch be appended twice.
absl::Status LogPartition::ScanProducers(const LogSegment& segment) {
  std::shared_ptr<const void> keep_alive;
  auto bytes = segment.Bytes(0, segment.size(), &keep_alive);
  if (!bytes.ok()) return bytes.status();
  const int64_t now = WallMillis();
  for (size_t at = 0; at < bytes->size();) {
    const std::string_view rest = bytes->substr(at);
    const auto header = rest.size() < batch_format::kHeaderSize
                            ? RecordBatchView::Header{}
                            : RecordBatchView::ReadHeader(rest.data());
    auto batch =
        header.plausible() && header.total_size() <= rest.size()
            ? RecordBatchView::ParseUnstamped(rest.substr(0, header.total_size()))
            : absl::DataLossError("no whole batch starts here");
    if (!batch.ok()) {
      return absl::DataLossError(absl::StrCat("log segment ", segment.log_path(),
                                              " is damaged at position ", at, ": ",
                                              batch.status().message()));
    }
    if (batch->producer().id != 0) {
      producers_.Record(batch->producer(), batch->base_offset(), now);
    }
    at += batch->size();
  }
  return absl::OkStatus();
}

// Opens bases[first...] and appends them to segments_. Offsets missing between two
// segments are left for readers to report; segments that overlap fail the open.
absl::Status LogPartition::OpenSegmentsFrom(const std::vector<int64_t>& bases,
                                            size_t first) {
  const bool writable = access_ == Access::kReadWrite;
  for (size_t i = first; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    // The last segment of a damaged partition is left as it is: no writer opens it.
    const bool recover =
        writable && last && ProblemsLocked(/*last_is_sealed=*/true).empty();
    auto mode = !last
                    ? (check_ == Check::kScanEverySegment ? LogSegment::OpenMode::kScan
                                                          : LogSegment::OpenMode::kSealed)
                : recover ? LogSegment::OpenMode::kRecoverTail
                          : LogSegment::OpenMode::kFollowTail;
    auto segment = LogSegment::Open(dir_, bases[i], config_.index_interval_bytes, mode,
                                    writable, MaxSegmentSize(), warn_);
    if (!segment.ok()) return segment.status();
    if (!segments_.empty() && segments_.back()->next_offset() > bases[i]) {
      return absl::DataLossError(absl::StrCat(
          "log partition ", dir_, ": segment ", (*segment)->log_path(),
          " starts at offset ", bases[i], " but the segment before it ends at offset ",
          segments_.back()->next_offset(), " (the segments overlap)"));
    }
    segments_.push_back(std::move(*segment));
  }
  return absl::OkStatus();
}

absl::Status LogPartition::CheckWritable() const {
  if (access_ == Access::kReadWrite) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("log partition ", dir_, " is open read-only"));
}

absl::StatusOr<int64_t> LogPartition::Append(RecordBatchBuilder& batch) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  auto finished = batch.Finish();
  if (!finished.ok()) return finished.status();
  const BatchProducer producer = batch.producer();
  auto appended = AppendLocked(finished->header, finished->body, producer);
  if (!appended.ok()) return appended.status();
  if (appended->duplicate) {
    return absl::AlreadyExistsError(
        absl::StrCat("log partition ", dir_, " already took sequence ", producer.sequence,
                     " of producer ", producer.id));
  }
  return appended->base_offset;
}

absl::StatusOr<LogPartition::AppendResult> LogPartition::AppendPrepared(
    std::string_view batch) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  auto view = RecordBatchView::ParseUnstamped(batch);
  if (!view.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "log partition ", dir_, ": not a prepared batch: ", view.status().message()));
  }
  char header[batch_format::kHeaderSize];
  std::memcpy(header, batch.data(), batch_format::kHeaderSize);
  const std::string_view body[] = {batch.substr(batch_format::kHeaderSize)};
  return AppendLocked(header, body, view->producer());
}

// Appends the batch `header` + `body` (stamping the header) unless `producer` sent
// it already.
absl::StatusOr<LogPartition::AppendResult> LogPartition::AppendLocked(
    char* header, std::span<const std::string_view> body, BatchProducer producer) {
  const auto fields = RecordBatchView::ReadHeader(header);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!failed_.ok()) return failed_;
  if (producers_.IsDuplicate(producer)) return AppendResult{-1, true};
  LogSegment* active = segments_.back().get();
  if (!active->empty() && (active->size() + fields.total_size() > config_.segment_bytes ||
                           !active->Fits(fields.total_size(), fields.record_count))) {
    if (absl::Status s = RollLocked(); !s.ok()) return Fail(s);
    active = segments_.back().get();
  }
  const int64_t base = active->next_offset();
  StampBatchHeader(header, body, base);
  absl::InlinedVector<std::string_view, 6> pieces;
  pieces.push_back(std::string_view(header, batch_format::kHeaderSize));
  pieces.insert(pieces.end(), body.begin(), body.end());
  if (absl::Status s = active->Append(pieces, fields.record_count, fields.max_timestamp);
      !s.ok()) {
    return Fail(s);
  }
  if (producer.id != 0) producers_.Record(producer, base, WallMillis());
  unsynced_ = true;
  if (absl::Status s = SyncAfterAppendLocked(); !s.ok()) return Fail(s);
  return AppendResult{base, false};
}

std::optional<int64_t> LogPartition::LastSequence(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const ProducerTable::Entry* entry = producers_.Find(id);
  if (entry == nullptr) return std::nullopt;
  return entry->last_sequence;
}

// After a failed write, roll or fsync the partition's state on disk is uncertain (a
// failed fsync may have dropped pages that a later one would not report), so it
// refuses further appends; reopening it recovers from what is on disk.
absl::Status LogPartition::Fail(absl::Status error) {
  failed_ = absl::Status(error.code(),
                         absl::StrCat(error.message(), " (log partition ", dir_,
                                      " takes no more appends until it is reopened)"));
  return failed_;
}

absl::Status LogPartition::SyncAfterAppendLocked() {
  switch (config_.fsync) {
    case FsyncPolicy::kEveryBatch:
      break;
    case FsyncPolicy::kInterval:
      if (Clock::now() - last_sync_ <
          std::chrono::milliseconds(config_.fsync_interval_ms)) {
        return absl::OkStatus();
      }
      break;
    case FsyncPolicy::kNone:
      return absl::OkStatus();
  }
  if (absl::Status s = segments_.back()->Sync(); !s.ok()) return s;
  last_sync_ = Clock::now();
  unsynced_ = false;
  return absl::OkStatus();
}

absl::Status LogPartition::Sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (segments_.empty() || access_ != Access::kReadWrite) return absl::OkStatus();
  if (!failed_.ok()) return failed_;
  if (absl::Status s = segments_.back()->Sync(); !s.ok()) return Fail(s);
  last_sync_ = Clock::now();
  unsynced_ = false;
  return absl::OkStatus();
}

absl::Status LogPartition::RollLocked() {
  LogSegment& old = *segments_.back();
  if (absl::Status s = old.Seal(); !s.ok()) return s;
  auto next = LogSegment::Create(dir_, old.next_offset(), config_.index_interval_bytes,
                                 MaxSegmentSize());
  if (!next.ok()) return next.status();
  segments_.push_back(std::move(*next));
  // The producers as of the new segment's start: what an open reads before scanning
  // that segment. The write ends with a directory fsync, which also makes the new
  // segment's files durable.
  producers_.Evict();
  if (absl::Status s = producers_.WriteSnapshot(dir_, segments_.back()->base_offset());
      !s.ok()) {
    return s;
  }
  unsynced_ = false;
  return EnforceRetentionLocked(WallMillis());
}

absl::Status LogPartition::EnforceRetention(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (access_ != Access::kReadWrite) return absl::OkStatus();
  return EnforceRetentionLocked(now_ms);
}

absl::Status LogPartition::EnforceRetentionLocked(int64_t now_ms) {
  uint64_t total = 0;
  for (const auto& segment : segments_) total += segment->size();
  size_t drop = 0;
  while (segments_.size() - drop > 1) {
    const LogSegment& oldest = *segments_[drop];
    const bool over_size = config_.retention_bytes >= 0 &&
                           total > static_cast<uint64_t>(config_.retention_bytes);
    const bool too_old = config_.retention_ms >= 0 && !oldest.empty() &&
                         oldest.max_timestamp() < now_ms - config_.retention_ms;
    if (!over_size && !too_old) break;
    total -= oldest.size();
    ++drop;
  }
  if (drop == 0) return absl::OkStatus();
  // The new start goes to disk first: then a segment missing at the front is either
  // one retention let go of (before the start) or lost.
  PartitionMeta meta = meta_;
  meta.start_offset = segments_[drop]->base_offset();
  meta.ForgetBefore(meta.start_offset);
  SLUICE_RETURN_IF_ERROR(meta.Write(dir_));
  meta_ = std::move(meta);
  meta_found_ = true;
  for (; drop > 0; --drop) {
    const int64_t base = segments_.front()->base_offset();
    SLUICE_RETURN_IF_ERROR(segments_.front()->Remove());
    std::error_code ignored;  // most segments have no producer snapshot
    fs::remove(ProducerTable::SnapshotPath(dir_, base), ignored);
    segments_.pop_front();
  }
  return SyncDirectory(dir_);
}

}  // namespace sluice::log
