// Walks the record batches of a segment from a position on, checking each
// (record_batch.h), and past damage: where no whole, valid batch with the offset due
// starts, it looks for the next intact batch at a later 8-byte boundary (every batch
// starts on one) whose offsets continue at or after the one due, and reports the bytes
// in between as damage with the offsets they held. What no intact batch follows is
// the segment's tail: a torn last append, or damage at the very end.
//
// This is how damage before the last batch is told from a torn tail: a crash during
// an append leaves only the batch being written incomplete, never an intact batch
// after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sluice/io/log/offset_range.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/runtime/storage/aligned_buffer.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {

// Segments are capped below 4 GiB: index positions are 32-bit.
constexpr uint64_t kMaxSegmentBytes = (uint64_t{1} << 32) - 1;

// The bytes of a segment, by file position.
class SegmentBytes {
 public:
  virtual ~SegmentBytes() = default;
  // The bytes from `position` on: at least `need` unless the segment ends sooner.
  // Valid until the next call.
  virtual absl::StatusOr<std::string_view> At(uint64_t position, size_t need) = 0;
  // Where the bytes end.
  virtual absl::StatusOr<uint64_t> End() = 0;
};

// A segment file, read a window at a time.
class SegmentFileBytes final : public SegmentBytes {
 public:
  explicit SegmentFileBytes(const PosixFile& file) : file_(file) {}
  absl::StatusOr<std::string_view> At(uint64_t position, size_t need) override;
  absl::StatusOr<uint64_t> End() override { return file_.Size(); }

 private:
  const PosixFile& file_;
  AlignedBuffer buffer_;
  uint64_t start_ = 0;  // the file position of buffer_'s first byte
  size_t length_ = 0;
};

// Positions [start, start + bytes.size()) of a segment already in memory (mapped).
class SegmentMemoryBytes final : public SegmentBytes {
 public:
  SegmentMemoryBytes(std::string_view bytes, uint64_t start)
      : bytes_(bytes), start_(start) {}
  absl::StatusOr<std::string_view> At(uint64_t position, size_t need) override;
  absl::StatusOr<uint64_t> End() override { return start_ + bytes_.size(); }

 private:
  std::string_view bytes_;
  uint64_t start_;
};

class SegmentScanner {
 public:
  struct Step {
    enum class Kind {
      kBatch,   // an intact batch with the offsets due
      kDamage,  // bytes (possibly none) before the next intact batch, and lost offsets
      kEnd,     // the end: `size` bytes (0 at a clean end) that no intact batch follows
    };
    Kind kind = Kind::kEnd;
    uint64_t position = 0;
    uint64_t size = 0;
    OffsetRange offsets;  // kBatch: its records; kDamage: the offsets lost
    std::optional<RecordBatchView> batch;  // kBatch; valid until the next call
    std::string why;                       // kDamage, kEnd with bytes: what is wrong
  };

  // Scans from `position`, where the batch holding `next_offset` is due, in a segment
  // whose first offset is `segment_base`.
  SegmentScanner(SegmentBytes& bytes, uint64_t position, int64_t next_offset,
                 int64_t segment_base)
      : bytes_(bytes),
        position_(position),
        next_offset_(next_offset),
        segment_base_(segment_base) {}

  absl::StatusOr<Step> Next();
  // The offset due at the position reached.
  int64_t next_offset() const { return next_offset_; }

 private:
  // The intact batch at `position` with offsets from next_offset_ on, if there is
  // one; else *why says what is there.
  absl::StatusOr<std::optional<RecordBatchView>> BatchAt(uint64_t position,
                                                         std::string* why);
  // The position of the first intact batch at or after `from` (see BatchAt).
  absl::StatusOr<std::optional<uint64_t>> FindIntactBatch(uint64_t from);

  SegmentBytes& bytes_;
  uint64_t position_;
  int64_t next_offset_;
  int64_t segment_base_;
};

}  // namespace sluice::log
