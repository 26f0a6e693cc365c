// What one read of a log partition returns: checked record batches, viewed where the
// segment file is mapped (the chunk keeps the mapping alive). The first batch may
// begin before the offset asked for; ForEach skips those records.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sluice/io/log/offset_range.h"
#include "sluice/io/log/record_batch.h"

namespace sluice::log {

class LogChunk {
 public:
  LogChunk() = default;
  LogChunk(const LogChunk&) = delete;
  LogChunk& operator=(const LogChunk&) = delete;

  const std::vector<RecordBatchView>& batches() const { return batches_; }
  bool empty() const { return batches_.empty(); }
  // The offset to read from next.
  int64_t next_offset() const { return next_offset_; }
  // Offsets a repair recorded as lost that this read passed over, from the offset
  // read from (empty when none).
  const OffsetRange& lost() const { return lost_; }
  // Calls fn(const LogRecordView&) for each record at or after the offset read from.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (const RecordBatchView& batch : batches_) {
      for (uint32_t i = 0; i < batch.record_count(); ++i) {
        if (batch.base_offset() + i >= from_offset_) fn(batch.record(i));
      }
    }
  }

 private:
  friend class LogPartition;
  std::shared_ptr<const void> keep_alive_;  // the mapped segment the views point into
  std::vector<RecordBatchView> batches_;
  int64_t from_offset_ = 0;
  int64_t next_offset_ = 0;
  OffsetRange lost_;
};

}  // namespace sluice::log
