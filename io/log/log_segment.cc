#include "sluice/io/log/log_segment.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/runtime/status_macros.h"

namespace sluice::log {
namespace {

// Blocks are reserved this far ahead of appends: the file system then neither
// allocates nor reserves space page by page as writes arrive. Appends of odd-sized
// batches took half as long again without it (ext4).
constexpr uint64_t kPreallocateStep = 16 << 20;

}  // namespace

std::string LogSegment::FileStem(const std::string& dir, int64_t base_offset) {
  return absl::StrFormat("%s/%020d", dir, base_offset);
}

std::optional<int64_t> LogSegment::BaseOf(std::string_view name,
                                          std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) return std::nullopt;
  int64_t base = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + 20, base);
  if (ec != std::errc() || end != name.data() + 20) return std::nullopt;
  return base;
}

absl::StatusOr<LogSegment::Files> LogSegment::ListFiles(const std::string& dir) {
  Files files;
  std::vector<int64_t> others;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (auto base = BaseOf(name, ".log")) files.bases.push_back(*base);
    if (auto base = BaseOf(name, ".index")) others.push_back(*base);
    if (auto base = BaseOf(name, ".producers")) others.push_back(*base);
  }
  if (error) {
    std::string message =
        absl::StrCat("cannot list log partition ", dir, ": ", error.message());
    return error == std::errc::no_such_file_or_directory ? absl::NotFoundError(message)
                                                         : absl::InternalError(message);
  }
  std::sort(files.bases.begin(), files.bases.end());
  for (int64_t base : others) {
    if (!std::binary_search(files.bases.begin(), files.bases.end(), base)) {
      files.orphans.push_back(base);
    }
  }
  std::sort(files.orphans.begin(), files.orphans.end());
  files.orphans.erase(std::unique(files.orphans.begin(), files.orphans.end()),
                      files.orphans.end());
  return files;
}

LogSegment::~LogSegment() {
  // Give back blocks reserved past the end (a sealed segment already has).
  if (preallocated_ > size_ && !sealed_) (void)log_.Truncate(size_);
}

absl::StatusOr<std::unique_ptr<LogSegment>> LogSegment::Create(const std::string& dir,
                                                               int64_t base_offset,
                                                               uint32_t index_interval,
                                                               uint64_t max_size) {
  std::unique_ptr<LogSegment> segment(
      new LogSegment(FileStem(dir, base_offset), base_offset, index_interval));
  auto log = PosixFile::Open(segment->stem_ + ".log", PosixFile::Mode::kCreateNew);
  if (!log.ok()) return log.status();
  auto index = PosixFile::Open(segment->stem_ + ".index", PosixFile::Mode::kCreateNew);
  if (!index.ok()) {
    // No segment without its index: an orphan .log would stop the partition opening.
    std::remove(log->path().c_str());
    return index.status();
  }
  segment->log_ = std::move(*log);
  segment->index_file_ = std::move(*index);
  if (absl::Status s = segment->MapForReaders(max_size); !s.ok()) return s;
  return segment;
}

absl::StatusOr<std::unique_ptr<LogSegment>> LogSegment::Open(
    const std::string& dir, int64_t base_offset, uint32_t index_interval, OpenMode mode,
    bool writable, uint64_t max_size, const LogWarning& warn) {
  std::unique_ptr<LogSegment> segment(
      new LogSegment(FileStem(dir, base_offset), base_offset, index_interval));
  const bool recover = mode == OpenMode::kRecoverTail;
  const bool sealed = mode == OpenMode::kSealed || mode == OpenMode::kScan;
  auto log =
      PosixFile::Open(segment->stem_ + ".log",
                      recover ? PosixFile::Mode::kReadWrite : PosixFile::Mode::kReadOnly);
  if (!log.ok()) return log.status();
  segment->log_ = std::move(*log);

  if (mode == OpenMode::kSealed) {
    std::string why_not;
    SLUICE_RETURN_IF_ERROR(segment->LoadSealedIndex(&why_not));
    if (why_not.empty()) {
      SLUICE_RETURN_IF_ERROR(segment->MapForReaders(0));
      return segment;
    }
    warn(absl::StrCat("log segment ", segment->log_path(), ": index rebuilt (", why_not,
                      ")"));
  }
  segment->keep_every_batch_ = mode == OpenMode::kScan;
  SLUICE_RETURN_IF_ERROR(segment->ScanFrom());
  if (recover) SLUICE_RETURN_IF_ERROR(segment->CutTail(warn));
  // A damaged segment is left as it is: the partition is not opened for writing.
  const bool whole = segment->damage_.empty() && segment->tail_.size == 0;
  if (whole && (recover || (mode == OpenMode::kSealed && writable))) {
    SLUICE_RETURN_IF_ERROR(segment->RewriteIndex());
    if (mode == OpenMode::kSealed) SLUICE_RETURN_IF_ERROR(segment->Seal());
  }
  // A sealed segment keeps its size; the last one grows up to max_size.
  SLUICE_RETURN_IF_ERROR(segment->MapForReaders(sealed ? 0 : max_size));
  return segment;
}

absl::Status LogSegment::CutTail(const LogWarning& warn) {
  if (!damage_.empty() || tail_.size == 0) return absl::OkStatus();
  warn(absl::StrCat("log segment ", log_path(), ": cut ", tail_.size,
                    " bytes of torn or damaged tail at position ", size_, " (", tail_.why,
                    ")"));
  SLUICE_RETURN_IF_ERROR(log_.Truncate(size_));
  SLUICE_RETURN_IF_ERROR(log_.DataSync());
  tail_ = Tail{size_, 0, ""};
  return absl::OkStatus();
}

absl::Status LogSegment::MapForReaders(uint64_t max_size) {
  max_size_ = std::max(size_, max_size);
  auto mapping = FileMapping::Map(log_.fd(), log_.path(),
                                  static_cast<size_t>(std::max(size_, max_size)));
  if (!mapping.ok()) return mapping.status();
  mapping_ = std::move(*mapping);
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> LogSegment::Bytes(
    uint64_t from, uint64_t end, std::shared_ptr<const void>* keep_alive) const {
  if (end > mapping_->length()) {
    return absl::InternalError(absl::StrCat("log segment ", log_path(), ": position ",
                                            end, " is past its mapping of ",
                                            mapping_->length(), " bytes"));
  }
  // Touching mapped bytes the file no longer has would fault: check first.
  auto file_size = log_.Size();
  if (!file_size.ok()) return file_size.status();
  if (*file_size < end) {
    return absl::DataLossError(
        absl::StrCat("log segment ", log_path(), " is damaged at position ", *file_size,
                     ": the file is shorter than when it was checked"));
  }
  *keep_alive = mapping_;
  return std::string_view(mapping_->data() + from, end - from);
}

absl::Status LogSegment::LoadSealedIndex(std::string* why_not) {
  auto index = PosixFile::Open(stem_ + ".index", PosixFile::Mode::kReadOnly);
  if (!index.ok()) {
    if (absl::IsNotFound(index.status())) {
      *why_not = "index file missing";
      return absl::OkStatus();
    }
    return index.status();
  }
  auto index_size = index->Size();
  if (!index_size.ok()) return index_size.status();
  auto log_size = log_.Size();
  if (!log_size.ok()) return log_size.status();
  // Entries are at least index_interval_ apart, plus the first and closing ones.
  const uint64_t most = (*log_size / index_interval_ + 2) * sizeof(IndexEntry);
  if (*index_size == 0 || *index_size % sizeof(IndexEntry) != 0 || *index_size > most) {
    *why_not = absl::StrCat("index file of ", *index_size, " bytes");
    return absl::OkStatus();
  }
  std::vector<IndexEntry> entries(*index_size / sizeof(IndexEntry));
  size_t read = 0;
  if (absl::Status s =
          index->PRead(0, *index_size, reinterpret_cast<char*>(entries.data()), &read);
      !s.ok()) {
    return s;
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].position <= entries[i - 1].position ||
        entries[i].relative_offset < entries[i - 1].relative_offset) {
      *why_not = absl::StrCat("index entry ", i, " out of order");
      return absl::OkStatus();
    }
  }
  const IndexEntry& seal = entries.back();
  if (read != *index_size || seal.position != *log_size) {
    *why_not = "no closing entry at the end of the segment";
    return absl::OkStatus();
  }
  size_ = seal.position;
  next_offset_ = base_offset_ + seal.relative_offset;
  max_timestamp_ = seal.max_timestamp_before;
  entries.pop_back();
  index_ = std::move(entries);
  return absl::OkStatus();
}

absl::Status LogSegment::ScanFrom() {
  SegmentFileBytes bytes(log_);
  SegmentScanner scanner(bytes, size_, next_offset_, base_offset_);
  bool after_damage = false;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(SegmentScanner::Step step, scanner.Next());
    switch (step.kind) {
      case SegmentScanner::Step::Kind::kBatch:
        if (keep_every_batch_) {
          every_batch_.push_back(
              IndexEntry{static_cast<uint32_t>(next_offset_ - base_offset_),
                         static_cast<uint32_t>(step.position), max_timestamp_});
        }
        Note(step.position, step.size, step.batch->record_count(),
             step.batch->max_timestamp(), after_damage);
        after_damage = false;
        break;
      case SegmentScanner::Step::Kind::kDamage:
        damage_.push_back(Damage{step.position, step.size, step.offsets, step.why});
        next_offset_ = step.offsets.to;
        after_damage = true;
        break;
      case SegmentScanner::Step::Kind::kEnd:
        tail_ = Tail{step.position, step.size, std::move(step.why)};
        return absl::OkStatus();
    }
  }
}

bool LogSegment::Fits(uint64_t bytes, uint32_t record_count) const {
  return size_ + bytes <= kMaxBytes &&
         static_cast<uint64_t>(next_offset_ - base_offset_) + record_count <=
             std::numeric_limits<uint32_t>::max();
}

bool LogSegment::Note(uint64_t position, uint64_t batch_size, uint32_t record_count,
                      int64_t max_timestamp, bool force_index) {
  bool indexed = position > 0 &&
                 (force_index || position - last_indexed_position_ >= index_interval_);
  if (indexed) {
    index_.push_back(IndexEntry{static_cast<uint32_t>(next_offset_ - base_offset_),
                                static_cast<uint32_t>(position), max_timestamp_});
    last_indexed_position_ = position;
  }
  next_offset_ += record_count;
  max_timestamp_ = std::max(max_timestamp_, max_timestamp);
  size_ = position + batch_size;
  return indexed;
}

absl::Status LogSegment::Append(std::span<const std::string_view> pieces,
                                uint32_t record_count, int64_t max_timestamp) {
  const uint64_t position = size_;
  uint64_t batch_size = 0;
  for (std::string_view piece : pieces) batch_size += piece.size();
  PreallocateFor(batch_size);
  if (absl::Status s = log_.PWrite(position, pieces); !s.ok()) {
    (void)log_.Truncate(position);  // best effort: a torn tail is cut on open anyway
    return s;
  }
  if (Note(position, batch_size, record_count, max_timestamp) &&
      !AppendIndexEntry(index_.back()).ok()) {
    // The batch is written; the index is derived data, rewritten whole at Seal (and
    // the last segment's is rebuilt on every open anyway).
    index_write_failed_ = true;
  }
  return absl::OkStatus();
}

void LogSegment::PreallocateFor(uint64_t bytes) {
  if (size_ + bytes <= preallocated_) return;
  const uint64_t from = std::max(preallocated_, size_);
  const uint64_t until =
      std::min(std::max(size_ + bytes, from + kPreallocateStep), max_size_);
  if (until <= from) return;
  // An optimisation only: where it fails, the write itself reports a real problem.
  if (log_.Preallocate(from, until - from).ok()) {
    preallocated_ = until;
  } else {
    preallocated_ = max_size_;  // do not try again
  }
}

absl::Status LogSegment::AppendIndexEntry(const IndexEntry& entry) {
  auto size = index_file_.Size();
  if (!size.ok()) return size.status();
  return index_file_.PWrite(
      *size, std::string_view(reinterpret_cast<const char*>(&entry), sizeof(entry)));
}

absl::Status LogSegment::RewriteIndex() {
  auto index = PosixFile::Open(stem_ + ".index", PosixFile::Mode::kReadWrite);
  if (absl::IsNotFound(index.status())) {
    index = PosixFile::Open(stem_ + ".index", PosixFile::Mode::kCreateNew);
  }
  if (!index.ok()) return index.status();
  index_file_ = std::move(*index);
  if (absl::Status s = index_file_.Truncate(0); !s.ok()) return s;
  return index_file_.PWrite(0,
                            std::string_view(reinterpret_cast<const char*>(index_.data()),
                                             index_.size() * sizeof(IndexEntry)));
}

absl::Status LogSegment::Seal() {
  if (index_write_failed_) {
    if (absl::Status s = RewriteIndex(); !s.ok()) return s;
    index_write_failed_ = false;
  }
  IndexEntry seal{static_cast<uint32_t>(next_offset_ - base_offset_),
                  static_cast<uint32_t>(size_), max_timestamp_};
  if (absl::Status s = AppendIndexEntry(seal); !s.ok()) return s;
  if (preallocated_ > size_) {
    if (absl::Status s = log_.Truncate(size_); !s.ok()) return s;  // unused blocks
  }
  if (absl::Status s = log_.DataSync(); !s.ok()) return s;
  if (absl::Status s = index_file_.DataSync(); !s.ok()) return s;
  sealed_ = true;
  return index_file_.Close();
}

LogSegment::ScanStart LogSegment::ScanStartFor(int64_t offset) const {
  const int64_t relative = offset - base_offset_;
  auto after = std::upper_bound(index_.begin(), index_.end(), relative,
                                [](int64_t r, const IndexEntry& e) {
                                  return r < static_cast<int64_t>(e.relative_offset);
                                });
  if (after == index_.begin()) return ScanStart{0, base_offset_};
  return ScanStart{std::prev(after)->position,
                   base_offset_ + std::prev(after)->relative_offset};
}

absl::Status LogSegment::Refresh(const LogWarning& warn) {
  SLUICE_RETURN_IF_ERROR(ScanFrom());
  // A partial batch is one still being written; anything else is worth a word.
  const std::string& stopped_at = tail_.why;
  if (tail_.size > 0 && stopped_at.find("partial batch") == std::string::npos &&
      stopped_at != last_refresh_stop_) {
    warn(absl::StrCat("log segment ", log_path(), ": not reading past position ", size_,
                      " (", stopped_at, ")"));
  }
  last_refresh_stop_ = stopped_at;
  return absl::OkStatus();
}

absl::StatusOr<std::string> LogSegment::CheckIndexFile() const {
  const std::string path = stem_ + ".index";
  auto bytes = ReadWholeFile(path, (size_ / index_interval_ + 2) * sizeof(IndexEntry));
  if (absl::IsNotFound(bytes.status())) return std::string("the index file is missing");
  if (absl::IsDataLoss(bytes.status())) return std::string("the index file is too long");
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() % sizeof(IndexEntry) != 0) {
    return absl::StrCat("the index file has ", bytes->size(),
                        " bytes, not a whole number of entries");
  }
  std::vector<IndexEntry> entries(bytes->size() / sizeof(IndexEntry));
  if (!entries.empty()) std::memcpy(entries.data(), bytes->data(), bytes->size());
  auto same = [](const IndexEntry& a, const IndexEntry& b) {
    return a.relative_offset == b.relative_offset && a.position == b.position &&
           a.max_timestamp_before == b.max_timestamp_before;
  };
  const IndexEntry closing{static_cast<uint32_t>(next_offset_ - base_offset_),
                           static_cast<uint32_t>(size_), max_timestamp_};
  if (entries.empty() || !same(entries.back(), closing)) {
    return std::string("the index has no closing entry for the end of the segment");
  }
  size_t j = 0;
  for (size_t i = 0; i + 1 < entries.size(); ++i) {
    while (j < every_batch_.size() && every_batch_[j].position < entries[i].position) ++j;
    if (j == every_batch_.size() || !same(every_batch_[j], entries[i])) {
      return absl::StrCat("index entry ", i, " (offset ",
                          base_offset_ + entries[i].relative_offset, " at position ",
                          entries[i].position, ") does not match the batches");
    }
  }
  return std::string();
}

absl::Status LogSegment::Remove() {
  // Unlinked only: readers holding the segment keep reading through the open file.
  for (const std::string& path : {stem_ + ".log", stem_ + ".index"}) {
    if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
      return absl::InternalError(absl::StrCat("cannot remove ", path, ": ",
                                              std::system_category().message(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice::log
