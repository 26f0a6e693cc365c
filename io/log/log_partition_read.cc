// LogPartition's read side and its account of damage: reading up to damage and past
// it, passing over offsets a repair recorded as lost, following a writer (Refresh),
// and the problems a writer is refused for and `sluice-log verify` reports.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sluice/io/log/log_partition.h"
#include "sluice/io/log/segment_scanner.h"
#include "sluice/runtime/status_macros.h"

namespace sluice::log {
namespace {

absl::Status Damaged(const LogSegment& segment, uint64_t position, std::string_view why) {
  return absl::DataLossError(absl::StrCat("log segment ", segment.log_path(),
                                          " is damaged at position ", position, ": ",
                                          std::string(why)));
}

// The records at `lost` are in the damage `step` found.
absl::Status LostTo(const LogSegment& segment, const SegmentScanner::Step& step,
                    const OffsetRange& lost) {
  const bool at_end = step.kind == SegmentScanner::Step::Kind::kEnd;
  return Damaged(segment, step.position,
                 absl::StrCat(step.why, "; offsets ", lost.ToString(), " are lost (",
                              step.size, " damaged bytes; ",
                              at_end ? std::string("no intact batch follows")
                                     : absl::StrCat("intact batches go on at position ",
                                                    step.position + step.size),
                              ")"));
}

}  // namespace

absl::Status LogPartition::Read(int64_t offset, size_t max_bytes, LogChunk* chunk) const {
  chunk->batches_.clear();
  chunk->from_offset_ = offset;
  chunk->next_offset_ = offset;
  chunk->lost_ = OffsetRange{};
  ReadStart start;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    SLUICE_ASSIGN_OR_RETURN(start, LocateLocked(offset, chunk));
  }
  if (start.segment == nullptr) return absl::OkStatus();  // at the end
  return ReadSegment(start, max_bytes, chunk);
}

absl::StatusOr<LogPartition::ReadStart> LogPartition::LocateLocked(
    int64_t offset, LogChunk* chunk) const {
  if (!missing_.empty()) {
    return absl::DataLossError(
        absl::StrCat("log partition ", dir_, ": ", missing_, "; its records are lost"));
  }
  const int64_t start = meta_.start_offset;
  const int64_t stop = segments_.empty() ? start : segments_.back()->next_offset();
  if (offset < start || offset > stop) {
    return absl::OutOfRangeError(
        absl::StrCat("log partition ", dir_, ": offset ", offset, " is outside [", start,
                     ", ", stop, "]", offset < start ? " (deleted by retention)" : ""));
  }
  if (offset == stop) return ReadStart{};
  // segments_[i - 1] is the last segment starting at or before `offset`.
  size_t i = static_cast<size_t>(
      std::upper_bound(segments_.begin(), segments_.end(), offset,
                       [](int64_t o, const std::shared_ptr<LogSegment>& s) {
                         return o < s->base_offset();
                       }) -
      segments_.begin());
  if (i == 0 || offset >= segments_[i - 1]->next_offset()) {
    // No segment holds it: unless a repair recorded the gap as lost, that is damage.
    const OffsetRange gap = GapBefore(i);
    if (!meta_.Covers(gap)) {
      return absl::DataLossError(GapProblem(i).ToString());
    }
    chunk->lost_ = OffsetRange{offset, gap.to};
    chunk->next_offset_ = gap.to;
    offset = gap.to;
    ++i;
    if (offset == stop) return ReadStart{};
  }
  const std::shared_ptr<LogSegment>& segment = segments_[i - 1];
  return ReadStart{segment, segment->ScanStartFor(offset), segment->size(),
                   segment->next_offset(), offset};
}

// Reads batches of a segment from the index entry before the offset wanted, keeping
// those with records at or after it, until about `max_bytes` are read. Damage after
// some were kept ends the read (the next one starts at it); damage before the offset
// wanted is passed over when an intact batch follows it.
absl::Status LogPartition::ReadSegment(const ReadStart& start, size_t max_bytes,
                                       LogChunk* chunk) const {
  const LogSegment& segment = *start.segment;
  SLUICE_ASSIGN_OR_RETURN(
      std::string_view bytes,
      segment.Bytes(start.at.position, start.end, &chunk->keep_alive_));
  SegmentMemoryBytes memory(bytes, start.at.position);
  SegmentScanner scanner(memory, start.at.position, start.at.offset,
                         segment.base_offset());
  size_t consumed = 0;
  for (bool first = true;; first = false) {
    SLUICE_ASSIGN_OR_RETURN(SegmentScanner::Step step, scanner.Next());
    if (step.kind == SegmentScanner::Step::Kind::kBatch) {
      consumed += step.size;
      if (step.offsets.to <= start.offset) continue;
      chunk->batches_.push_back(*step.batch);
      chunk->next_offset_ = step.offsets.to;
      if (consumed >= max_bytes) return absl::OkStatus();
      continue;
    }
    if (step.size == 0 && step.kind == SegmentScanner::Step::Kind::kEnd) {
      return absl::OkStatus();
    }
    if (!chunk->batches_.empty()) return absl::OkStatus();
    const bool at_end = step.kind == SegmentScanner::Step::Kind::kEnd;
    const OffsetRange lost =
        at_end ? OffsetRange{scanner.next_offset(), start.end_offset} : step.offsets;
    if (!at_end && start.offset >= lost.to) continue;  // what is wanted comes after
    if (first && RecordBatchView::Parse(bytes).ok()) {
      // An intact batch that is not the one the index promised.
      return Damaged(segment, step.position,
                     absl::StrCat("the index led to offset ",
                                  RecordBatchView::Parse(bytes)->base_offset(),
                                  " looking for offset ", start.offset,
                                  " (the .index file is damaged)"));
    }
    return LostTo(segment, step, lost);
  }
}

absl::Status LogPartition::Refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (access_ != Access::kReadOnly || !missing_.empty()) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(LogSegment::Files files, LogSegment::ListFiles(dir_));
  const std::vector<int64_t>& bases = files.bases;
  // Segments deleted by the writer's retention, which recorded the new start first.
  bool moved = segments_.empty();
  while (!segments_.empty() && !std::binary_search(bases.begin(), bases.end(),
                                                   segments_.front()->base_offset())) {
    segments_.pop_front();
    moved = true;
  }
  if (moved) {
    auto meta = PartitionMeta::Read(dir_);
    if (meta.ok()) {
      meta_.start_offset = meta->start_offset;
      meta_.lost = std::move(meta->lost);
    } else if (!segments_.empty()) {
      meta_.start_offset = std::max(meta_.start_offset, segments_.front()->base_offset());
    }
  }
  if (!segments_.empty()) {
    if (absl::Status s = segments_.back()->Refresh(warn_); !s.ok()) return s;
  }
  size_t first = 0;
  if (!segments_.empty()) {
    first = static_cast<size_t>(
        std::upper_bound(bases.begin(), bases.end(), segments_.back()->base_offset()) -
        bases.begin());
  } else {
    while (first + 1 < bases.size() && bases[first + 1] <= meta_.start_offset) ++first;
  }
  return OpenSegmentsFrom(bases, first);
}

int64_t LogPartition::start_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return meta_.start_offset;
}

int64_t LogPartition::end_offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return segments_.empty() ? meta_.start_offset : segments_.back()->next_offset();
}

std::vector<OffsetRange> LogPartition::lost_offsets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return meta_.lost;
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

void LogPartition::NoteMissingLastSegments(const std::vector<int64_t>& orphans) {
  const LogSegment& last = *segments_.back();
  for (int64_t base : orphans) {
    if (base <= last.base_offset()) continue;
    end_lost_ = LogProblem{
        LogSegment::FileStem(dir_, base) + ".log",
        -1,
        {last.next_offset(), OffsetRange::kUnknownEnd},
        absl::StrCat("is missing (its .index or .producers file is there), and so are "
                     "the records after offset ",
                     last.next_offset())};
    return;
  }
}

absl::Status LogPartition::RefuseDamaged() const {
  std::vector<LogProblem> problems;
  for (LogProblem& problem : ProblemsLocked()) {
    if (!problem.note) problems.push_back(std::move(problem));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "log partition ", dir_,
      " is damaged, so it is not opened for writing (appends would hide the damage "
      "or reuse lost offsets): ",
      problems.front().ToString(),
      problems.size() > 1 ? absl::StrCat(" (and ", problems.size() - 1, " more)") : "",
      ". `sluice-log verify` lists the damage; `sluice-log repair` keeps every intact "
      "batch, sets the damaged bytes aside and records the lost offsets"));
}

absl::Status LogPartition::CheckEnd() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!missing_.empty()) {
    return absl::DataLossError(
        absl::StrCat("log partition ", dir_, ": ", missing_, "; its records are lost"));
  }
  if (end_lost_.has_value()) {
    return absl::DataLossError(end_lost_->ToString());
  }
  return absl::OkStatus();
}

std::vector<LogProblem> LogPartition::Problems() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ProblemsLocked();
}

std::vector<LogProblem> LogPartition::ProblemsLocked(bool last_is_sealed) const {
  std::vector<LogProblem> problems;
  if (!missing_.empty()) {
    problems.push_back(
        LogProblem{dir_, -1, {meta_.start_offset, OffsetRange::kUnknownEnd}, missing_});
    return problems;
  }
  const std::string meta_path = PartitionMeta::Path(dir_);
  if (!meta_problem_.empty()) {
    problems.push_back(LogProblem{meta_path,
                                  -1,
                                  {},
                                  absl::StrCat(meta_problem_,
                                               " (where the partition starts and which "
                                               "offsets a repair recorded as lost are "
                                               "unknown)")});
  } else if (!meta_found_ && !segments_.empty()) {
    problems.push_back(LogProblem{
        meta_path,
        -1,
        {},
        "missing (a log written by an older build?): whether the first segment is the "
        "partition's first cannot be checked; a writer writes it",
        /*note=*/true});
  }
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (const OffsetRange gap = GapBefore(i); !gap.empty() && !meta_.Covers(gap)) {
      problems.push_back(GapProblem(i));
    }
    SegmentProblems(i, /*last=*/i + 1 == segments_.size() && !last_is_sealed, &problems);
  }
  if (end_lost_.has_value()) problems.push_back(*end_lost_);
  return problems;
}

void LogPartition::SegmentProblems(size_t i, bool last,
                                   std::vector<LogProblem>* problems) const {
  const LogSegment& segment = *segments_[i];
  for (const LogSegment::Damage& d : segment.damage()) {
    problems->push_back(LogProblem{
        segment.log_path(), static_cast<int64_t>(d.position), d.offsets,
        d.size == 0 ? d.why
                    : absl::StrCat(d.why, " (", d.size,
                                   " damaged bytes before the intact batch at position ",
                                   d.position + d.size, ")")});
  }
  const LogSegment::Tail& tail = segment.tail();
  if (tail.size == 0) return;
  const int64_t position = static_cast<int64_t>(tail.position);
  if (last) {
    problems->push_back(
        LogProblem{segment.log_path(),
                   position,
                   {},
                   absl::StrCat(tail.size, " bytes of an unfinished append at the end (",
                                tail.why, "): the next writer cuts them"),
                   /*note=*/true});
    return;
  }
  // With offsets lost before the next segment, GapProblem(i + 1) says it.
  if (i + 1 < segments_.size() && !GapBefore(i + 1).empty() &&
      !meta_.Covers(GapBefore(i + 1))) {
    return;
  }
  problems->push_back(LogProblem{
      segment.log_path(),
      position,
      {},
      absl::StrCat(tail.size, " bytes after the last intact batch of a sealed segment (",
                   tail.why, ")")});
}

absl::StatusOr<std::vector<LogProblem>> LogPartition::CheckDerivedFiles() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<LogProblem> problems;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const LogSegment& segment = *segments_[i];
    const std::string stem = LogSegment::FileStem(dir_, segment.base_offset());
    // The last segment's index is rebuilt by every writer's open.
    if (check_ == Check::kScanEverySegment && i + 1 < segments_.size() &&
        segment.damage().empty() && segment.tail().size == 0) {
      SLUICE_ASSIGN_OR_RETURN(std::string wrong, segment.CheckIndexFile());
      if (!wrong.empty()) {
        problems.push_back(
            LogProblem{stem + ".index",
                       -1,
                       {},
                       absl::StrCat(wrong, " (sluice-log repair rebuilds it)")});
      }
    }
    auto snapshot = ProducerTable::ReadSnapshot(dir_, segment.base_offset());
    if (!snapshot.ok() && !absl::IsNotFound(snapshot.status())) {
      problems.push_back(LogProblem{
          ProducerTable::SnapshotPath(dir_, segment.base_offset()),
          -1,
          {},
          absl::StrCat(
              snapshot.status().message(),
              " (sluice-log repair sets it aside; a writer rebuilds the table)")});
    }
  }
  return problems;
}

OffsetRange LogPartition::GapBefore(size_t i) const {
  const int64_t from = i == 0 ? meta_.start_offset : segments_[i - 1]->next_offset();
  return OffsetRange{from, std::max(from, segments_[i]->base_offset())};
}

LogProblem LogPartition::GapProblem(size_t i) const {
  const OffsetRange gap = GapBefore(i);
  const LogSegment& next = *segments_[i];
  if (i == 0) {
    return LogProblem{
        dir_, -1, gap,
        absl::StrCat("the partition starts at offset ", gap.from,
                     " but its first segment ", next.log_path(), " starts at offset ",
                     gap.to, ": the segment files before it are missing")};
  }
  const LogSegment& before = *segments_[i - 1];
  const LogSegment::Tail& tail = before.tail();
  if (tail.size > 0) {
    return LogProblem{
        before.log_path(), static_cast<int64_t>(tail.position), gap,
        absl::StrCat(tail.why, " (", tail.size,
                     " bytes after the last intact batch of a sealed "
                     "segment, which was cut short or damaged at its end)")};
  }
  return LogProblem{dir_, -1, gap,
                    absl::StrCat(before.log_path(), " ends at offset ", gap.from, " but ",
                                 next.log_path(), " starts at offset ", gap.to,
                                 ": a segment file is missing or cut short")};
}

}  // namespace sluice::log
