// The unit the event log stores: a batch of records behind a fixed 40-byte header.
//
//   offset size  field
//        0    4  magic "SLB1"
//        4    4  CRC-32C of bytes [8, 40 + body_length)
//        8    4  body_length: index_length + the data section (a multiple of 8)
//       12    4  record_count (at least 1)
//       16    8  base_offset (the first record's offset; record i has base_offset + i)
//       24    8  max_timestamp
//       32    4  index_length (a multiple of 8)
//       36    2  format version (1)
//       38    2  flags (0)
//       40       index: a FlatBuffer RecordBatchIndex (log_record.fbs), zero-padded
//                data: the records' key, value and header bytes, zero-padded
//
// All integers are little-endian. The index holds fixed-size entries, so a batch is
// built by appending bytes and read without decoding. A batch is written whole or
// not at all, as far as readers can tell: a torn or damaged batch fails its CRC.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice::log {

namespace batch_format {
constexpr size_t kHeaderSize = 40;
constexpr uint32_t kMagic = 0x31424C53;  // "SLB1" read as little-endian bytes
constexpr uint16_t kVersion = 1;
// Larger lengths in a header are damage, not data (the writer refuses such batches).
constexpr uint32_t kMaxBodyBytes = 64u << 20;
}  // namespace batch_format

struct LogHeaderView {
  std::string_view key;
  std::string_view value;
};

// The index entries, laid out as the FlatBuffers structs of log_record.fbs are.
struct RecordEntry {
  int64_t timestamp;
  uint32_t key_offset, key_length;
  uint32_t value_offset, value_length;
  uint32_t first_header, header_count;
};
struct HeaderEntry {
  uint32_t key_offset, key_length;
  uint32_t value_offset, value_length;
};

// Who appended a batch, for idempotent appends (LogPartition::AppendPrepared): a
// producer numbers its batches with increasing sequence numbers, and a partition
// skips a batch whose sequence is not above the last one it took from that
// producer. id 0: no producer (an ordinary append).
struct BatchProducer {
  uint64_t id = 0;
  int64_t sequence = 0;
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
  // Marks the batch with its producer (kept in its index); Clear() unsets it.
  void SetProducer(BatchProducer producer) { producer_ = producer; }
  BatchProducer producer() const { return producer_; }

  size_t record_count() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  // Bytes the batch takes so far: for callers that cut batches by size.
  size_t approximate_bytes() const {
    return batch_format::kHeaderSize + 64 + data_.size() +
           records_.size() * sizeof(RecordEntry) + headers_.size() * sizeof(HeaderEntry);
  }

  // The finished batch, as the pieces to write one after the other: the header (base
  // offset 0 and no CRC yet: the log stamps both when it appends) and the body. The
  // pieces stay valid until Clear() or Add().
  struct Finished {
    char header[batch_format::kHeaderSize];
    std::array<std::string_view, 4> body;  // index, its padding, data, its padding
    size_t size() const;                   // header and body
    std::array<std::string_view, 5> pieces() const;
  };
  // Fails (InvalidArgument) if the batch is empty or its body exceeds kMaxBodyBytes.
  absl::StatusOr<Finished> Finish();
  // The finished batch as one string: kept by a writer that appends it later
  // (LogPartition::AppendPrepared), across a checkpoint and a restart.
  absl::StatusOr<std::string> FinishToString();
  void Clear();

 private:
  struct Index;  // the FlatBuffers builder
  std::unique_ptr<Index> index_;
  std::string data_;
  std::vector<RecordEntry> records_;
  std::vector<HeaderEntry> headers_;
  int64_t max_timestamp_ = 0;
  BatchProducer producer_;
};

// Stamps a batch's header (kHeaderSize bytes) with its base offset and its CRC over
// the header and `body`.
void StampBatchHeader(char* header, std::span<const std::string_view> body,
                      int64_t base_offset);
inline void StampBatchHeader(RecordBatchBuilder::Finished& batch, int64_t base_offset) {
  StampBatchHeader(batch.header, batch.body, base_offset);
}
// One record of a batch being read; views into the batch's bytes.
class LogRecordView {
 public:
  int64_t offset() const { return offset_; }
  int64_t timestamp() const { return entry_->timestamp; }
  std::string_view key() const {
    return {data_ + entry_->key_offset, entry_->key_length};
  }
  std::string_view value() const {
    return {data_ + entry_->value_offset, entry_->value_length};
  }
  size_t header_count() const { return entry_->header_count; }
  LogHeaderView header(size_t i) const {
    const HeaderEntry& h = headers_[entry_->first_header + i];
    return {{data_ + h.key_offset, h.key_length},
            {data_ + h.value_offset, h.value_length}};
  }

 private:
  friend class RecordBatchView;
  LogRecordView(const RecordEntry* entry, const HeaderEntry* headers, const char* data,
                int64_t offset)
      : entry_(entry), headers_(headers), data_(data), offset_(offset) {}
  const RecordEntry* entry_;
  const HeaderEntry* headers_;
  const char* data_;
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
    uint32_t index_length;
    uint16_t version;
    uint16_t flags;
    size_t total_size() const { return batch_format::kHeaderSize + body_length; }
    // Whether the lengths could be a batch's (not whether the batch is intact).
    bool plausible() const {
      return magic == batch_format::kMagic &&
             body_length <= batch_format::kMaxBodyBytes && body_length % 8 == 0 &&
             index_length <= body_length && record_count > 0;
    }
  };
  static Header ReadHeader(const char* bytes);

  // Checks magic, version, lengths, CRC, the index and that every entry points into
  // the data section. `bytes` starts at the batch and may run past its end; it must be
  // 8-byte aligned. The error says what is wrong.
  static absl::StatusOr<RecordBatchView> Parse(std::string_view bytes);
  // As Parse, for a batch not yet stamped (RecordBatchBuilder::FinishToString):
  // everything but the CRC is checked, and `bytes` must be the batch exactly.
  static absl::StatusOr<RecordBatchView> ParseUnstamped(std::string_view bytes);

  int64_t base_offset() const { return header_.base_offset; }
  int64_t next_offset() const { return header_.base_offset + header_.record_count; }
  uint32_t record_count() const { return header_.record_count; }
  int64_t max_timestamp() const { return header_.max_timestamp; }
  size_t size() const { return header_.total_size(); }
  BatchProducer producer() const { return producer_; }
  LogRecordView record(uint32_t i) const {
    return LogRecordView(records_ + i, headers_, data_, header_.base_offset + i);
  }

 private:
  RecordBatchView(Header header, const RecordEntry* records, const HeaderEntry* headers,
                  const char* data, BatchProducer producer)
      : header_(header),
        records_(records),
        headers_(headers),
        data_(data),
        producer_(producer) {}
  static absl::StatusOr<RecordBatchView> ParseChecked(std::string_view bytes,
                                                      bool check_crc);
  Header header_;
  const RecordEntry* records_;
  const HeaderEntry* headers_;
  const char* data_;
  BatchProducer producer_;
};

}  // namespace sluice::log
