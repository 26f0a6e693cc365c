#include "io/log/log_partition.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

// The base offsets of the segments in `dir`, ascending ("<20 digits>.log" files).
absl::StatusOr<std::vector<int64_t>> ListSegments(const std::string& dir) {
  std::vector<int64_t> bases;
  std::error_code error;
  fs::directory_iterator it(dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 24 || !name.ends_with(".log")) continue;
    int64_t base = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 20, base);
    if (ec != std::errc() || end != name.data() + 20) continue;
    bases.push_back(base);
  }
  if (error) {
    std::string message =
        absl::StrCat("cannot list log partition ", dir, ": ", error.message());
    return error == std::errc::no_such_file_or_directory ? absl::NotFoundError(message)
                                                         : absl::InternalError(message);
  }
  std::sort(bases.begin(), bases.end());
  return bases;
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
                                                                 LogWarning warn) {
  if (absl::Status s = config.Validate(); !s.ok()) return s;
  if (!warn) warn = [](std::string_view) {};
  std::unique_ptr<LogPartition> partition(
      new LogPartition(std::move(dir), config, access, std::move(warn)));
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
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return bases.status();
  if (bases->empty()) {
    if (access_ == Access::kReadOnly) return absl::OkStatus();  // nothing written yet
    auto first =
        LogSegment::Create(dir_, 0, config_.index_interval_bytes, MaxSegmentSize());
    if (!first.ok()) return first.status();
    segments_.push_back(std::move(*first));
    return SyncDirectory(dir_);
  }
  if (absl::Status s = OpenSegmentsFrom(*bases, 0); !s.ok()) return s;
  return access_ == Access::kReadWrite ? LoadProducers() : absl::OkStatus();
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

// Opens bases[first...] and appends them to segments_, checking that each segment
// starts where the one before it ends.
absl::Status LogPartition::OpenSegmentsFrom(const std::vector<int64_t>& bases,
                                            size_t first) {
  const bool writable = access_ == Access::kReadWrite;
  for (size_t i = first; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    auto mode = !last      ? LogSegment::OpenMode::kSealed
                : writable ? LogSegment::OpenMode::kRecoverTail
                           : LogSegment::OpenMode::kFollowTail;
    auto segment = LogSegment::Open(dir_, bases[i], config_.index_interval_bytes, mode,
                                    writable, MaxSegmentSize(), warn_);
    if (!segment.ok()) return segment.status();
    if (!segments_.empty() && segments_.back()->next_offset() != bases[i]) {
      return absl::DataLossError(absl::StrCat(
          "log partition ", dir_, ": segment ", (*segment)->log_path(),
          " starts at offset ", bases[i], " but the segment before it ends at offset ",
          segments_.back()->next_offset(), " (a segment file is missing or cut short)"));
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
  bool removed = false;
  while (segments_.size() > 1) {
    const LogSegment& oldest = *segments_.front();
    const bool over_size = config_.retention_bytes >= 0 &&
                           total > static_cast<uint64_t>(config_.retention_bytes);
    const bool too_old = config_.retention_ms >= 0 && !oldest.empty() &&
                         oldest.max_timestamp() < now_ms - config_.retention_ms;
    if (!over_size && !too_old) break;
    if (absl::Status s = segments_.front()->Remove(); !s.ok()) return s;
    std::error_code ignored;  // most segments have no producer snapshot
    fs::remove(ProducerTable::SnapshotPath(dir_, oldest.base_offset()), ignored);
    total -= oldest.size();
    segments_.pop_front();
    removed = true;
  }
  if (removed) return SyncDirectory(dir_);
  return absl::OkStatus();
}

absl::Status LogPartition::Read(int64_t offset, size_t max_bytes, LogChunk* chunk) const {
  chunk->batches_.clear();
  chunk->from_offset_ = offset;
  chunk->next_offset_ = offset;
  std::shared_ptr<LogSegment> segment;
  uint64_t from = 0, end = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t start = segments_.empty() ? 0 : segments_.front()->base_offset();
    const int64_t stop = segments_.empty() ? 0 : segments_.back()->next_offset();
    if (offset < start || offset > stop) {
      return absl::OutOfRangeError(absl::StrCat(
          "log partition ", dir_, ": offset ", offset, " is outside [", start, ", ", stop,
          "]", offset < start ? " (deleted by retention)" : ""));
    }
    if (offset == stop) return absl::OkStatus();
    auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                               [](int64_t o, const std::shared_ptr<LogSegment>& s) {
                                 return o < s->base_offset();
                               });
    segment = *std::prev(it);
    from = segment->ScanStartFor(offset);
    end = segment->size();
  }
  return ReadSegment(*segment, from, end, offset, max_bytes, chunk);
}

// Reads batches of `segment` in [from, end), keeping those with records at or after
// `offset`, until about `max_bytes` are kept. Everything before `end` was checked
// when written or opened, so a batch that fails now is damage.
absl::Status LogPartition::ReadSegment(const LogSegment& segment, uint64_t from,
                                       uint64_t end, int64_t offset, size_t max_bytes,
                                       LogChunk* chunk) const {
  auto bytes = segment.Bytes(from, end, &chunk->keep_alive_);
  if (!bytes.ok()) return bytes.status();
  BatchWalk walk{segment.log_path(), offset, max_bytes};
  return walk.Take(*bytes, from, chunk);
}

absl::Status LogPartition::BatchWalk::Damaged(uint64_t position,
                                              absl::string_view why) const {
  return absl::DataLossError(absl::StrCat(
      "log segment ", path, " is damaged at position ", position, ": ", why));
}

// Parses the batches in `bytes` (file position `from` on), keeping those past
// `offset`, until max_bytes are consumed.
absl::Status LogPartition::BatchWalk::Take(std::string_view bytes, uint64_t from,
                                           LogChunk* chunk) {
  size_t consumed = 0;
  while (consumed < bytes.size()) {
    const std::string_view rest = bytes.substr(consumed);
    const uint64_t position = from + consumed;
    auto batch = RecordBatchView::Parse(rest);
    if (!batch.ok()) return Damaged(position, batch.status().message());
    if (next_base >= 0 && batch->base_offset() != next_base) {
      return Damaged(position, absl::StrCat("a batch at offset ", batch->base_offset(),
                                            " where offset ", next_base, " was due"));
    }
    if (next_base < 0 && batch->base_offset() > offset) {
      return Damaged(position, absl::StrCat("the index led to offset ",
                                            batch->base_offset(), " looking for offset ",
                                            offset, " (the .index file is damaged)"));
    }
    next_base = batch->next_offset();
    consumed += batch->size();
    if (batch->next_offset() <= offset) continue;
    chunk->batches_.push_back(*batch);
    chunk->next_offset_ = batch->next_offset();
    if (consumed >= max_bytes) break;
  }
  return absl::OkStatus();
}

absl::Status LogPartition::Refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (access_ != Access::kReadOnly) return absl::OkStatus();
  auto bases = ListSegments(dir_);
  if (!bases.ok()) return bases.status();
  // Segments deleted by the writer's retention.
  while (!segments_.empty() && !std::binary_search(bases->begin(), bases->end(),
                                                   segments_.front()->base_offset())) {
    segments_.pop_front();
  }
  if (!segments_.empty()) {
    if (absl::Status s = segments_.back()->Refresh(warn_); !s.ok()) return s;
  }
  size_t first = 0;
  if (!segments_.empty()) {
    first = static_cast<size_t>(
        std::upper_bound(bases->begin(), bases->end(), segments_.back()->base_offset()) -
        bases->begin());
  }
  return OpenSegmentsFrom(*bases, first);
}

int64_t LogPartition::start_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.empty() ? 0 : segments_.front()->base_offset();
}

int64_t LogPartition::end_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.empty() ? 0 : segments_.back()->next_offset();
}

uint64_t LogPartition::size_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = 0;
  for (const auto& segment : segments_) total += segment->size();
  return total;
}

int LogPartition::segment_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(segments_.size());
}

}  // namespace sluice::log
