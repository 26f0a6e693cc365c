#include "io/log/log_segment.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/log/record_batch.h"
#include "runtime/storage/aligned_buffer.h"

namespace sluice::log {
namespace {

using batch_format::kHeaderSize;

constexpr size_t kScanChunk = 1 << 20;
// Blocks are reserved this far ahead of appends: the file system then neither
// allocates nor reserves space page by page as writes arrive. Appends of odd-sized
// batches took half as long again without it (ext4).
constexpr uint64_t kPreallocateStep = 16 << 20;

}  // namespace

std::string LogSegment::FileStem(const std::string& dir, int64_t base_offset) {
  return absl::StrFormat("%s/%020d", dir, base_offset);
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
  auto log =
      PosixFile::Open(segment->stem_ + ".log",
                      recover ? PosixFile::Mode::kReadWrite : PosixFile::Mode::kReadOnly);
  if (!log.ok()) return log.status();
  segment->log_ = std::move(*log);

  std::string why_not;
  if (mode == OpenMode::kSealed) {
    absl::Status loaded = segment->LoadSealedIndex(&why_not);
    if (!loaded.ok()) return loaded;
    if (why_not.empty()) {
      if (absl::Status s = segment->MapForReaders(0); !s.ok()) return s;
      return segment;
    }
    warn(absl::StrCat("log segment ", segment->log_path(), ": index rebuilt (", why_not,
                      ")"));
  }
  std::string stopped_at;
  if (absl::Status scanned = segment->ScanFrom(&stopped_at); !scanned.ok()) {
    return scanned;
  }
  if (!stopped_at.empty()) {
    if (mode == OpenMode::kSealed) {
      // Only the last segment can have a torn tail: anything else is lost data.
      return absl::DataLossError(absl::StrCat("log segment ", segment->log_path(),
                                              " is damaged at position ", segment->size_,
                                              ": ", stopped_at));
    }
    if (recover) {
      auto file_size = segment->log_.Size();
      if (!file_size.ok()) return file_size.status();
      warn(absl::StrCat("log segment ", segment->log_path(), ": cut ",
                        *file_size - segment->size_,
                        " bytes of torn or damaged tail at position ", segment->size_,
                        " (", stopped_at, ")"));
      if (absl::Status s = segment->log_.Truncate(segment->size_); !s.ok()) return s;
      if (absl::Status s = segment->log_.DataSync(); !s.ok()) return s;
    }
  }
  if (recover || (mode == OpenMode::kSealed && writable)) {
    if (absl::Status s = segment->RewriteIndex(); !s.ok()) return s;
    if (mode == OpenMode::kSealed) {
      if (absl::Status s = segment->Seal(); !s.ok()) return s;
    }
  }
  // A sealed segment keeps its size; the last one grows up to max_size.
  const uint64_t reach = mode == OpenMode::kSealed ? 0 : max_size;
  if (absl::Status s = segment->MapForReaders(reach); !s.ok()) return s;
  return segment;
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

absl::Status LogSegment::ScanFrom(std::string* stopped_at) {
  stopped_at->clear();
  AlignedBuffer buffer;
  buffer.Reserve(kScanChunk);
  uint64_t chunk_start = size_;
  size_t chunk_bytes = 0;
  while (true) {
    // Make [size_, size_ + need) resident, `need` growing from a header to a batch.
    size_t need = kHeaderSize;
    for (int pass = 0; pass < 2; ++pass) {
      if (size_ + need > chunk_start + chunk_bytes) {
        chunk_start = size_;
        size_t want = std::max(need, kScanChunk);
        buffer.Reserve(want);
        if (absl::Status s = log_.PRead(chunk_start, want, buffer.data(), &chunk_bytes);
            !s.ok()) {
          return s;
        }
      }
      const size_t available = chunk_start + chunk_bytes - size_;
      if (available == 0 && pass == 0) return absl::OkStatus();  // a clean end
      if (available < need) {
        *stopped_at = absl::StrCat("a partial batch of ", available, " bytes");
        return absl::OkStatus();
      }
      if (pass == 0) {
        auto header = RecordBatchView::ReadHeader(buffer.data() + (size_ - chunk_start));
        // An implausible header is left to Parse below to describe.
        need = header.plausible() ? header.total_size() : kHeaderSize;
      }
    }
    std::string_view bytes(buffer.data() + (size_ - chunk_start),
                           chunk_start + chunk_bytes - size_);
    auto batch = RecordBatchView::Parse(bytes);
    if (!batch.ok()) {
      *stopped_at = std::string(batch.status().message());
      return absl::OkStatus();
    }
    if (batch->base_offset() != next_offset_) {
      *stopped_at = absl::StrCat("a batch at offset ", batch->base_offset(),
                                 " where offset ", next_offset_, " was due");
      return absl::OkStatus();
    }
    if (!Fits(batch->size(), batch->record_count())) {
      *stopped_at = "a batch past the segment's limits";
      return absl::OkStatus();
    }
    Note(size_, batch->size(), batch->record_count(), batch->max_timestamp());
  }
}

bool LogSegment::Fits(uint64_t bytes, uint32_t record_count) const {
  return size_ + bytes <= kMaxBytes &&
         static_cast<uint64_t>(next_offset_ - base_offset_) + record_count <=
             std::numeric_limits<uint32_t>::max();
}

bool LogSegment::Note(uint64_t position, uint64_t batch_size, uint32_t record_count,
                      int64_t max_timestamp) {
  bool indexed = position > 0 && position - last_indexed_position_ >= index_interval_;
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

uint64_t LogSegment::ScanStartFor(int64_t offset) const {
  const int64_t relative = offset - base_offset_;
  auto after = std::upper_bound(index_.begin(), index_.end(), relative,
                                [](int64_t r, const IndexEntry& e) {
                                  return r < static_cast<int64_t>(e.relative_offset);
                                });
  return after == index_.begin() ? 0 : std::prev(after)->position;
}

absl::Status LogSegment::Refresh(const LogWarning& warn) {
  std::string stopped_at;
  if (absl::Status s = ScanFrom(&stopped_at); !s.ok()) return s;
  // A partial batch is one still being written; anything else is worth a word.
  if (!stopped_at.empty() && stopped_at.find("partial batch") == std::string::npos &&
      stopped_at != last_refresh_stop_) {
    warn(absl::StrCat("log segment ", log_path(), ": not reading past position ", size_,
                      " (", stopped_at, ")"));
  }
  last_refresh_stop_ = stopped_at;
  return absl::OkStatus();
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
