// The unit the event log stores: a batch of records behind a fixed 32-byte header.
//
//   offset size  field
//        0    4  magic "SLB1"
//        4    4  CRC-32C of bytes [8, 32 + body_length)
//        8    4  body_length (a multiple of 8: the FlatBuffer, zero-padded)
//       12    4  record_count (at least 1)
//       16    8  base_offset (the first record's offset; record i has base_offset + i)
//       24    8  max_timestamp
//       32       body: a FlatBuffer RecordBatchBody (log_record.fbs)
//
// All integers are little-endian. A batch is written whole or not at all, as far as
// readers can tell: a torn or damaged batch fails its CRC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace flatbuffers {
class FlatBufferBuilder;
}

namespace sluice::log {

namespace batch_format {
constexpr size_t kHeaderSize = 32;
constexpr uint32_t kMagic = 0x31424C53;  // "SLB1" read as little-endian bytes
// Larger lengths in a header are damage, not data (the writer refuses such batches).
constexpr uint32_t kMaxBodyBytes = 64u << 20;
}  // namespace batch_format

struct LogHeaderView {
  std::string_view key;
  std::string_view value;
};

// Collects records into one batch. Not thread-safe; reusable after Clear().
class RecordBatchBuilder {
 public:
  RecordBatchBuilder();
  ~RecordBatchBuilder();
  RecordBatchBuilder(const RecordBatchBuilder&) = delete;
  RecordBatchBuilder& operator=(const RecordBatchBuilder&) = delete;

  void Add(std::string_view key, std::string_view value, int64_t timestamp,
           std::span<const LogHeaderView> headers = {});

  size_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes the batch takes so far (without the final vector of records): for callers
  // that cut batches by size.
  size_t approximate_bytes() const;

  // The finished batch: the header (base offset 0 and no CRC yet: the log stamps
  // both when it appends) and the body, which stays valid until Clear() or Add().
  struct Finished {
    char header[batch_format::kHeaderSize];
    std::string_view body;
  };
  // Fails (InvalidArgument) if the batch is empty or its body exceeds kMaxBodyBytes.
  absl::StatusOr<Finished> Finish();
  void Clear();

 private:
  std::unique_ptr<flatbuffers::FlatBufferBuilder> builder_;
  std::string body_;               // the finished body, padded to 8 bytes
  std::vector<uint32_t> records_;  // FlatBuffers offsets of the records added
  size_t count_ = 0;
  int64_t max_timestamp_ = 0;
};

// Stamps a finished header with its base offset and the CRC over header and body.
void StampBatchHeader(char* header, int64_t base_offset, std::string_view body);

// One record of a batch being read; views into the batch's bytes.
class LogRecordView {
 public:
  int64_t offset() const { return offset_; }
  int64_t timestamp() const;
  std::string_view key() const;
  std::string_view value() const;
  size_t header_count() const;
  LogHeaderView header(size_t i) const;

 private:
  friend class RecordBatchView;
  LogRecordView(const void* record, int64_t offset) : record_(record), offset_(offset) {}
  const void* record_;
  int64_t offset_;
};

// A checked batch inside a buffer the caller keeps alive.
class RecordBatchView {
 public:
  // The header fields only, without checking the body. Requires kHeaderSize bytes.
  struct Header {
    uint32_t magic;
    uint32_t crc;
    uint32_t body_length;
    uint32_t record_count;
    int64_t base_offset;
    int64_t max_timestamp;
    size_t total_size() const { return batch_format::kHeaderSize + body_length; }
  };
  static Header ReadHeader(const char* bytes);

  // Checks magic, lengths, CRC and the FlatBuffer. `bytes` starts at the batch and
  // may run past its end; it must be 8-byte aligned. The error says what is wrong.
  static absl::StatusOr<RecordBatchView> Parse(std::string_view bytes);

  int64_t base_offset() const { return header_.base_offset; }
  int64_t next_offset() const { return header_.base_offset + header_.record_count; }
  uint32_t record_count() const { return header_.record_count; }
  int64_t max_timestamp() const { return header_.max_timestamp; }
  size_t size() const { return header_.total_size(); }
  LogRecordView record(uint32_t i) const;

 private:
  RecordBatchView(Header header, const void* records)
      : header_(header), records_(records) {}
  Header header_;
  const void* records_;  // the FlatBuffer's vector of records
};

}  // namespace sluice::log
