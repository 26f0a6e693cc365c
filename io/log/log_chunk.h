// What one read of a log partition returns: checked record batches in a buffer of its
// own. The first batch may begin before the offset asked for; ForEach skips those
// records.
#pragma once

#include <cstdint>
#include <vector>

#include "io/log/aligned_buffer.h"
#include "io/log/record_batch.h"

namespace sluice::log {

class LogChunk {
 public:
  LogChunk() = default;
  // The views point into this chunk's own buffer: a copy's would point into this one.
  LogChunk(const LogChunk&) = delete;
  LogChunk& operator=(const LogChunk&) = delete;

  const std::vector<RecordBatchView>& batches() const { return batches_; }
  bool empty() const { return batches_.empty(); }
  // The offset to read from next.
  int64_t next_offset() const { return next_offset_; }
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
  AlignedBuffer buffer_;
  std::vector<RecordBatchView> batches_;
  int64_t from_offset_ = 0;
  int64_t next_offset_ = 0;
};

}  // namespace sluice::log
