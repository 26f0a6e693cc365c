#include "sluice/io/log/record_batch.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "sluice/io/log/log_record_generated.h"
#include "sluice/runtime/storage/crc32c.h"

namespace sluice::log {
namespace {

using batch_format::kHeaderSize;

// Header field positions (see record_batch.h).
constexpr size_t kCrcAt = 4;
constexpr size_t kBodyLengthAt = 8;
constexpr size_t kCountAt = 12;
constexpr size_t kBaseOffsetAt = 16;
constexpr size_t kMaxTimestampAt = 24;
constexpr size_t kIndexLengthAt = 32;
constexpr size_t kVersionAt = 36;
constexpr size_t kFlagsAt = 38;
constexpr size_t kCrcFrom = 8;  // the CRC covers the header from here, then the body

static_assert(std::endian::native == std::endian::little,
              "the log format is little-endian; big-endian hosts need byte swaps");
static_assert(sizeof(RecordEntry) == sizeof(fb::RecordEntry) &&
              alignof(RecordEntry) == alignof(fb::RecordEntry));
static_assert(sizeof(HeaderEntry) == sizeof(fb::HeaderEntry));

constexpr char kZeros[8] = {};

template <class T>
void Put(char* at, T value) {
  std::memcpy(at, &value, sizeof(T));
}
template <class T>
T Get(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

std::string_view PaddingFor(size_t size) {
  return std::string_view(kZeros, (8 - size % 8) % 8);
}

bool Within(uint32_t offset, uint32_t length, uint64_t size) {
  return uint64_t{offset} + length <= size;
}

// Every entry points inside the data section and at existing headers.
bool EntriesInBounds(const RecordEntry* records, uint32_t record_count,
                     const HeaderEntry* headers, uint32_t header_count,
                     uint64_t data_size) {
  bool ok = true;
  for (uint32_t i = 0; i < record_count; ++i) {
    const RecordEntry& r = records[i];
    ok &= Within(r.key_offset, r.key_length, data_size) &
          Within(r.value_offset, r.value_length, data_size) &
          Within(r.first_header, r.header_count, header_count);
  }
  for (uint32_t i = 0; i < header_count; ++i) {
    const HeaderEntry& h = headers[i];
    ok &= Within(h.key_offset, h.key_length, data_size) &
          Within(h.value_offset, h.value_length, data_size);
  }
  return ok;
}

}  // namespace

struct RecordBatchBuilder::Index {
  flatbuffers::FlatBufferBuilder builder{4096};
};

RecordBatchBuilder::RecordBatchBuilder() : index_(std::make_unique<Index>()) {}
RecordBatchBuilder::~RecordBatchBuilder() = default;

void RecordBatchBuilder::Add(std::string_view key, std::string_view value,
                             int64_t timestamp, std::span<const LogHeaderView> headers) {
  // Offsets past 4 GiB wrap, but such a batch is refused by Finish anyway.
  RecordEntry entry{timestamp,
                    static_cast<uint32_t>(data_.size()),
                    static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(data_.size() + key.size()),
                    static_cast<uint32_t>(value.size()),
                    static_cast<uint32_t>(headers_.size()),
                    static_cast<uint32_t>(headers.size())};
  data_.append(key);
  data_.append(value);
  for (const LogHeaderView& h : headers) {
    headers_.push_back(HeaderEntry{static_cast<uint32_t>(data_.size()),
                                   static_cast<uint32_t>(h.key.size()),
                                   static_cast<uint32_t>(data_.size() + h.key.size()),
                                   static_cast<uint32_t>(h.value.size())});
    data_.append(h.key);
    data_.append(h.value);
  }
  max_timestamp_ = records_.empty() ? timestamp : std::max(max_timestamp_, timestamp);
  records_.push_back(entry);
}

absl::StatusOr<RecordBatchBuilder::Finished> RecordBatchBuilder::Finish() {
  if (records_.empty())
    return absl::InvalidArgumentError("a record batch needs a record");
  flatbuffers::FlatBufferBuilder& b = index_->builder;
  b.Clear();
  auto records = b.CreateVectorOfStructs(
      reinterpret_cast<const fb::RecordEntry*>(records_.data()), records_.size());
  flatbuffers::Offset<flatbuffers::Vector<const fb::HeaderEntry*>> headers;
  if (!headers_.empty()) {
    headers = b.CreateVectorOfStructs(
        reinterpret_cast<const fb::HeaderEntry*>(headers_.data()), headers_.size());
  }
  b.Finish(
      fb::CreateRecordBatchIndex(b, records, headers, producer_.id, producer_.sequence),
      fb::RecordBatchIndexIdentifier());
  Finished finished;
  std::string_view index(reinterpret_cast<const char*>(b.GetBufferPointer()),
                         b.GetSize());
  finished.body = {index, PaddingFor(index.size()), data_, PaddingFor(data_.size())};
  const size_t index_length = index.size() + finished.body[1].size();
  const size_t body_length = finished.size() - kHeaderSize;
  if (body_length > batch_format::kMaxBodyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a record batch of ", body_length, " bytes is over the limit of ",
                     batch_format::kMaxBodyBytes, "; append fewer records at a time"));
  }
  std::memset(finished.header, 0, kHeaderSize);
  Put<uint32_t>(finished.header, batch_format::kMagic);
  Put<uint32_t>(finished.header + kBodyLengthAt, static_cast<uint32_t>(body_length));
  Put<uint32_t>(finished.header + kCountAt, static_cast<uint32_t>(records_.size()));
  Put<int64_t>(finished.header + kMaxTimestampAt, max_timestamp_);
  Put<uint32_t>(finished.header + kIndexLengthAt, static_cast<uint32_t>(index_length));
  Put<uint16_t>(finished.header + kVersionAt, batch_format::kVersion);
  return finished;
}

absl::StatusOr<std::string> RecordBatchBuilder::FinishToString() {
  auto finished = Finish();
  if (!finished.ok()) return finished.status();
  std::string bytes;
  bytes.reserve(finished->size());
  for (std::string_view piece : finished->pieces()) bytes.append(piece);
  return bytes;
}

void RecordBatchBuilder::Clear() {
  data_.clear();
  records_.clear();
  headers_.clear();
  max_timestamp_ = 0;
  producer_ = {};
}

size_t RecordBatchBuilder::Finished::size() const {
  size_t size = kHeaderSize;
  for (std::string_view piece : body) size += piece.size();
  return size;
}

std::array<std::string_view, 5> RecordBatchBuilder::Finished::pieces() const {
  return {std::string_view(header, kHeaderSize), body[0], body[1], body[2], body[3]};
}

void StampBatchHeader(char* header, std::span<const std::string_view> body,
                      int64_t base_offset) {
  Put<int64_t>(header + kBaseOffsetAt, base_offset);
  uint32_t crc = Crc32c(std::string_view(header + kCrcFrom, kHeaderSize - kCrcFrom));
  for (std::string_view piece : body) crc = Crc32c(piece, crc);
  Put<uint32_t>(header + kCrcAt, crc);
}

RecordBatchView::Header RecordBatchView::ReadHeader(const char* bytes) {
  return Header{Get<uint32_t>(bytes),
                Get<uint32_t>(bytes + kCrcAt),
                Get<uint32_t>(bytes + kBodyLengthAt),
                Get<uint32_t>(bytes + kCountAt),
                Get<int64_t>(bytes + kBaseOffsetAt),
                Get<int64_t>(bytes + kMaxTimestampAt),
                Get<uint32_t>(bytes + kIndexLengthAt),
                Get<uint16_t>(bytes + kVersionAt),
                Get<uint16_t>(bytes + kFlagsAt)};
}

absl::StatusOr<RecordBatchView> RecordBatchView::Parse(std::string_view bytes) {
  return ParseChecked(bytes, /*check_crc=*/true);
}

absl::StatusOr<RecordBatchView> RecordBatchView::ParseUnstamped(std::string_view bytes) {
  if (bytes.size() >= kHeaderSize &&
      ReadHeader(bytes.data()).total_size() != bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a prepared batch of ", bytes.size(), " bytes whose header says ",
                     ReadHeader(bytes.data()).total_size()));
  }
  return ParseChecked(bytes, /*check_crc=*/false);
}

absl::StatusOr<RecordBatchView> RecordBatchView::ParseChecked(std::string_view bytes,
                                                              bool check_crc) {
  if (bytes.size() < kHeaderSize) {
    return absl::DataLossError(absl::StrCat("a batch header needs ", kHeaderSize,
                                            " bytes, ", bytes.size(), " are left"));
  }
  Header h = ReadHeader(bytes.data());
  if (h.magic != batch_format::kMagic) {
    return absl::DataLossError("no batch starts here (bad magic number)");
  }
  if (h.body_length > batch_format::kMaxBodyBytes || h.body_length % 8 != 0 ||
      h.index_length > h.body_length || h.index_length % 8 != 0 || h.record_count == 0) {
    return absl::DataLossError(absl::StrCat(
        "impossible batch header (body of ", h.body_length, " bytes, index of ",
        h.index_length, ", ", h.record_count, " records)"));
  }
  // Offsets base_offset .. base_offset + record_count must be representable
  // (a fuzzed header with base offset INT64_MAX overflowed in record()).
  if (h.base_offset < 0 ||
      h.base_offset > std::numeric_limits<int64_t>::max() - int64_t{h.record_count}) {
    return absl::DataLossError(
        absl::StrCat("impossible batch header (base offset ", h.base_offset, ")"));
  }
  if (bytes.size() < h.total_size()) {
    return absl::DataLossError(absl::StrCat("the batch needs ", h.total_size(),
                                            " bytes, ", bytes.size(), " are left"));
  }
  if (check_crc) {
    const uint32_t crc =
        Crc32c(std::string_view(bytes.data() + kHeaderSize, h.body_length),
               Crc32c(std::string_view(bytes.data() + kCrcFrom, kHeaderSize - kCrcFrom)));
    if (crc != h.crc) return absl::DataLossError("batch CRC mismatch");
  }
  if (h.version != batch_format::kVersion || h.flags != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("batch format version ", h.version, " with flags ", h.flags,
                     "; this build reads version ", batch_format::kVersion));
  }
  const auto* index = reinterpret_cast<const uint8_t*>(bytes.data() + kHeaderSize);
  flatbuffers::Verifier verifier(index, h.index_length);
  if (!fb::VerifyRecordBatchIndexBuffer(verifier)) {
    return absl::DataLossError("the batch index is not a valid record batch index");
  }
  const fb::RecordBatchIndex* root = fb::GetRecordBatchIndex(index);
  const auto* records = root->records();
  if (records == nullptr || records->size() != h.record_count) {
    return absl::DataLossError(
        "the batch index's record count disagrees with its header");
  }
  const auto* record_entries = reinterpret_cast<const RecordEntry*>(records->data());
  const HeaderEntry* header_entries =
      root->headers() == nullptr
          ? nullptr
          : reinterpret_cast<const HeaderEntry*>(root->headers()->data());
  const uint32_t header_count = root->headers() == nullptr ? 0 : root->headers()->size();
  // The verifier aligns a vector's length, not its 8-byte structs: a damaged index
  // can place them where reading one is undefined (found by the fuzz target).
  if (reinterpret_cast<uintptr_t>(record_entries) % alignof(RecordEntry) != 0 ||
      reinterpret_cast<uintptr_t>(header_entries) % alignof(HeaderEntry) != 0) {
    return absl::DataLossError("the batch index's entries are misaligned");
  }
  const char* data = bytes.data() + kHeaderSize + h.index_length;
  if (!EntriesInBounds(record_entries, h.record_count, header_entries, header_count,
                       h.body_length - h.index_length)) {
    return absl::DataLossError("a batch index entry points outside the batch");
  }
  return RecordBatchView(h, record_entries, header_entries, data,
                         {root->producer_id(), root->producer_sequence()});
}

}  // namespace sluice::log
