// One segment of a log partition: `<base offset>.log`, record batches back to back
// (record_batch.h), and `<base offset>.index`, a sparse index from offsets to file
// positions. Index entries are 16 bytes: the offset relative to the segment's base
// (u32), the file position of a batch starting there (u32), and the largest record
// timestamp before that position (i64). One is added whenever a batch starts at least
// `index_interval` bytes after the last indexed one. Sealing a segment adds a last
// entry at the end of the file, so a sealed index is known to be whole.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/log/offset_range.h"
#include "sluice/io/log/segment_scanner.h"
#include "sluice/runtime/storage/file_mapping.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {

// Receives recovery messages (a tail truncated, an index rebuilt).
using LogWarning = std::function<void(std::string_view)>;

// Not thread-safe: the partition serialises access (reading a range already written
// is the exception: readers call Bytes while the writer appends past it).
class LogSegment {
 public:
  static constexpr uint64_t kMaxBytes = kMaxSegmentBytes;

  enum class OpenMode {
    kSealed,       // an older segment: trust a whole index, else rebuild it by a scan
    kRecoverTail,  // the writable last segment: scan it, truncate a torn tail
    kFollowTail,   // the last segment of a read-only partition: scan, keep the file
    kScan,         // an older segment, scanned whole whatever its index (verification)
  };

  // Bytes before an intact batch that are not the batches due there (segment_scanner.h),
  // found by the scan on open: the segment reads past them.
  struct Damage {
    uint64_t position = 0;
    uint64_t size = 0;
    OffsetRange offsets;  // the offsets lost
    std::string why;
  };
  // What follows the last intact batch, found by the scan on open (or the last
  // Refresh): a torn append in the last segment, damage in an older one.
  struct Tail {
    uint64_t position = 0;
    uint64_t size = 0;  // 0: the file ends with an intact batch
    std::string why;
  };

  static std::string FileStem(const std::string& dir, int64_t base_offset);
  // The segment files of a partition directory: the base offsets of its
  // "<20 digits>.log" files, and of ".index" and ".producers" files without their
  // ".log" (the segment was deleted). NotFound if `dir` is missing.
  struct Files {
    std::vector<int64_t> bases;    // ascending
    std::vector<int64_t> orphans;  // ascending
  };
  static absl::StatusOr<Files> ListFiles(const std::string& dir);
  // The base offset of a file named "<20 digits><suffix>".
  static std::optional<int64_t> BaseOf(std::string_view name, std::string_view suffix);
  ~LogSegment();

  // A new, empty segment (its files must not exist).
  // `max_size`: the size the segment may reach (mapped for readers up front).
  static absl::StatusOr<std::unique_ptr<LogSegment>> Create(const std::string& dir,
                                                            int64_t base_offset,
                                                            uint32_t index_interval,
                                                            uint64_t max_size);
  static absl::StatusOr<std::unique_ptr<LogSegment>> Open(
      const std::string& dir, int64_t base_offset, uint32_t index_interval, OpenMode mode,
      bool writable, uint64_t max_size, const LogWarning& warn);

  int64_t base_offset() const { return base_offset_; }
  int64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return next_offset_ == base_offset_; }
  int64_t max_timestamp() const { return max_timestamp_; }
  const std::string& log_path() const { return log_.path(); }

  // Whether a batch of `bytes` and `record_count` records still fits (positions and
  // relative offsets are 32-bit).
  bool Fits(uint64_t bytes, uint32_t record_count) const;
  // Appends a batch stamped with next_offset(), given as the pieces to write. On a
  // failed write the file is cut back to its old size.
  absl::Status Append(std::span<const std::string_view> pieces, uint32_t record_count,
                      int64_t max_timestamp);
  bool sealed() const { return sealed_; }
  // Found by the scan on open and by Refresh (nothing for a sealed segment whose
  // whole index was trusted). A segment with damage is never written to.
  const std::vector<Damage>& damage() const { return damage_; }
  const Tail& tail() const { return tail_; }
  // kScan segments: what is wrong with the .index file, if anything (empty when it
  // agrees with the batches found).
  absl::StatusOr<std::string> CheckIndexFile() const;
  absl::Status Sync() { return log_.DataSync(); }
  // Writes the index's closing entry and syncs both files, whatever the fsync policy:
  // only the last segment is repaired on open, so a sealed one must be whole. No
  // appends after.
  absl::Status Seal();

  // Where a reader looking for `offset` starts: the indexed batch at or before it.
  struct ScanStart {
    uint64_t position;
    int64_t offset;  // the offset of the batch there, as the index says
  };
  ScanStart ScanStartFor(int64_t offset) const;
  // The file's bytes [from, end), read through a shared read-only mapping, which
  // `*keep_alive` holds on to. `end` must not pass size() as the caller saw it. The
  // file is checked to still be that long first: a file cut short under an open log
  // is damage (DataLoss), not a crash.
  absl::StatusOr<std::string_view> Bytes(uint64_t from, uint64_t end,
                                         std::shared_ptr<const void>* keep_alive) const;
  // kFollowTail segments: takes in batches written since (by another process).
  // Damage, as opposed to a batch still being written, is reported through `warn`.
  absl::Status Refresh(const LogWarning& warn);
  // Removes both files (after retention let go of the segment).
  absl::Status Remove();

 private:
  struct IndexEntry {
    uint32_t relative_offset;
    uint32_t position;
    int64_t max_timestamp_before;
  };
  static_assert(sizeof(IndexEntry) == 16);

  // Reserves blocks ahead of a write of `bytes` at size_.
  void PreallocateFor(uint64_t bytes);

  LogSegment(std::string stem, int64_t base_offset, uint32_t index_interval)
      : stem_(std::move(stem)),
        base_offset_(base_offset),
        index_interval_(index_interval),
        next_offset_(base_offset) {}

  absl::Status LoadSealedIndex(std::string* why_not);
  // Maps the file for readers: as it is if sealed, else up to `max_size`.
  absl::Status MapForReaders(uint64_t max_size);
  // Scans from `size_` on, taking in intact batches and noting the damage between
  // them, up to the tail (tail_).
  absl::Status ScanFrom();
  // kRecoverTail: cuts a torn tail (a segment with damage is left alone).
  absl::Status CutTail(const LogWarning& warn);
  absl::Status RewriteIndex();
  // Takes in the batch at `position`; returns whether it got an index entry (always,
  // with `force_index`: the first batch after damage, so reads start there).
  bool Note(uint64_t position, uint64_t batch_size, uint32_t record_count,
            int64_t max_timestamp, bool force_index = false);
  absl::Status AppendIndexEntry(const IndexEntry& entry);

  std::string stem_;  // path without the .log / .index suffix
  int64_t base_offset_;
  uint32_t index_interval_;
  PosixFile log_;
  PosixFile index_file_;  // open for appends until sealed
  std::shared_ptr<const FileMapping> mapping_;
  uint64_t max_size_ = 0;      // the most the segment can grow to
  uint64_t preallocated_ = 0;  // blocks reserved up to here (past the file's end)
  std::vector<IndexEntry> index_;
  uint64_t size_ = 0;  // bytes of whole, valid batches
  int64_t next_offset_;
  int64_t max_timestamp_ = INT64_MIN;
  uint64_t last_indexed_position_ = 0;
  // An index entry could not be written: Seal rewrites the whole index.
  bool index_write_failed_ = false;
  bool sealed_ = false;
  std::vector<Damage> damage_;
  Tail tail_;
  std::string last_refresh_stop_;  // what stopped the last Refresh, said once
  // kScan: an entry for every batch, for CheckIndexFile.
  bool keep_every_batch_ = false;
  std::vector<IndexEntry> every_batch_;
};

}  // namespace sluice::log
