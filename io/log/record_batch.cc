#include "io/log/record_batch.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "flatbuffers/flatbuffers.h"
#include "io/log/crc32c.h"
#include "io/log/log_record_generated.h"

namespace sluice::log {
namespace {

using batch_format::kHeaderSize;

// Header field positions (see record_batch.h).
constexpr size_t kCrcAt = 4;
constexpr size_t kBodyLengthAt = 8;
constexpr size_t kCountAt = 12;
constexpr size_t kBaseOffsetAt = 16;
constexpr size_t kMaxTimestampAt = 24;
constexpr size_t kCrcFrom = 8;  // the CRC covers the header from here, then the body

static_assert(std::endian::native == std::endian::little,
              "the log format is little-endian; big-endian hosts need byte swaps");

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

const fb::Record* RecordAt(const void* records, uint32_t i) {
  return static_cast<const flatbuffers::Vector<flatbuffers::Offset<fb::Record>>*>(records)
      ->Get(i);
}

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* bytes) {
  if (bytes == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

}  // namespace

RecordBatchBuilder::RecordBatchBuilder()
    : builder_(std::make_unique<flatbuffers::FlatBufferBuilder>(64 << 10)) {}
RecordBatchBuilder::~RecordBatchBuilder() = default;

void RecordBatchBuilder::Add(std::string_view key, std::string_view value,
                             int64_t timestamp, std::span<const LogHeaderView> headers) {
  flatbuffers::FlatBufferBuilder& b = *builder_;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Header>>> header_vector;
  if (!headers.empty()) {
    std::vector<flatbuffers::Offset<fb::Header>> built;
    built.reserve(headers.size());
    for (const LogHeaderView& h : headers) {
      auto k = b.CreateString(h.key.data(), h.key.size());
      auto v = b.CreateVector(reinterpret_cast<const uint8_t*>(h.value.data()),
                              h.value.size());
      built.push_back(fb::CreateHeader(b, k, v));
    }
    header_vector = b.CreateVector(built);
  }
  auto k = b.CreateVector(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  auto v = b.CreateVector(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  records_.push_back(fb::CreateRecord(b, timestamp, k, v, header_vector).o);
  max_timestamp_ = count_ == 0 ? timestamp : std::max(max_timestamp_, timestamp);
  ++count_;
}

size_t RecordBatchBuilder::approximate_bytes() const {
  return builder_->GetSize() + 4 * records_.size() + kHeaderSize;
}

absl::StatusOr<RecordBatchBuilder::Finished> RecordBatchBuilder::Finish() {
  if (count_ == 0) return absl::InvalidArgumentError("a record batch needs a record");
  flatbuffers::FlatBufferBuilder& b = *builder_;
  b.StartVector(records_.size(), sizeof(flatbuffers::uoffset_t));
  for (size_t i = records_.size(); i-- > 0;) {
    b.PushElement(flatbuffers::Offset<fb::Record>(records_[i]));
  }
  auto records = b.EndVector(records_.size());
  b.Finish(fb::CreateRecordBatchBody(b, records), fb::RecordBatchBodyIdentifier());
  // Padded so that every batch, and so every body, starts 8-byte aligned in a file.
  const size_t padded = (b.GetSize() + 7) / 8 * 8;
  if (padded > batch_format::kMaxBodyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a record batch of ", padded, " bytes is over the limit of ",
                     batch_format::kMaxBodyBytes, "; append fewer records at a time"));
  }
  body_.assign(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  body_.resize(padded, '\0');
  Finished finished;
  std::memset(finished.header, 0, kHeaderSize);
  Put<uint32_t>(finished.header, batch_format::kMagic);
  Put<uint32_t>(finished.header + kBodyLengthAt, static_cast<uint32_t>(padded));
  Put<uint32_t>(finished.header + kCountAt, static_cast<uint32_t>(count_));
  Put<int64_t>(finished.header + kMaxTimestampAt, max_timestamp_);
  finished.body = body_;
  return finished;
}

void RecordBatchBuilder::Clear() {
  builder_->Clear();
  records_.clear();
  count_ = 0;
  max_timestamp_ = 0;
}

void StampBatchHeader(char* header, int64_t base_offset, std::string_view body) {
  Put<int64_t>(header + kBaseOffsetAt, base_offset);
  uint32_t crc = Crc32c(std::string_view(header + kCrcFrom, kHeaderSize - kCrcFrom));
  Put<uint32_t>(header + kCrcAt, Crc32c(body, crc));
}

int64_t LogRecordView::timestamp() const {
  return static_cast<const fb::Record*>(record_)->timestamp();
}
std::string_view LogRecordView::key() const {
  return Bytes(static_cast<const fb::Record*>(record_)->key());
}
std::string_view LogRecordView::value() const {
  return Bytes(static_cast<const fb::Record*>(record_)->value());
}
size_t LogRecordView::header_count() const {
  const auto* headers = static_cast<const fb::Record*>(record_)->headers();
  return headers == nullptr ? 0 : headers->size();
}
LogHeaderView LogRecordView::header(size_t i) const {
  const fb::Header* h =
      static_cast<const fb::Record*>(record_)->headers()->Get(static_cast<uint32_t>(i));
  std::string_view key = h->key() == nullptr
                             ? std::string_view()
                             : std::string_view(h->key()->c_str(), h->key()->size());
  return LogHeaderView{key, Bytes(h->value())};
}

RecordBatchView::Header RecordBatchView::ReadHeader(const char* bytes) {
  return Header{Get<uint32_t>(bytes),
                Get<uint32_t>(bytes + kCrcAt),
                Get<uint32_t>(bytes + kBodyLengthAt),
                Get<uint32_t>(bytes + kCountAt),
                Get<int64_t>(bytes + kBaseOffsetAt),
                Get<int64_t>(bytes + kMaxTimestampAt)};
}

absl::StatusOr<RecordBatchView> RecordBatchView::Parse(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) {
    return absl::DataLossError(absl::StrCat("a batch header needs ", kHeaderSize,
                                            " bytes, ", bytes.size(), " are left"));
  }
  Header h = ReadHeader(bytes.data());
  if (h.magic != batch_format::kMagic) {
    return absl::DataLossError("no batch starts here (bad magic number)");
  }
  if (h.body_length > batch_format::kMaxBodyBytes || h.body_length % 8 != 0 ||
      h.record_count == 0) {
    return absl::DataLossError(absl::StrCat("impossible batch header (body of ",
                                            h.body_length, " bytes, ", h.record_count,
                                            " records)"));
  }
  if (bytes.size() < h.total_size()) {
    return absl::DataLossError(absl::StrCat("the batch needs ", h.total_size(),
                                            " bytes, ", bytes.size(), " are left"));
  }
  const uint32_t crc =
      Crc32c(std::string_view(bytes.data() + kHeaderSize, h.body_length),
             Crc32c(std::string_view(bytes.data() + kCrcFrom, kHeaderSize - kCrcFrom)));
  if (crc != h.crc) return absl::DataLossError("batch CRC mismatch");
  const auto* body = reinterpret_cast<const uint8_t*>(bytes.data() + kHeaderSize);
  flatbuffers::Verifier verifier(body, h.body_length);
  if (!fb::VerifyRecordBatchBodyBuffer(verifier)) {
    return absl::DataLossError("the batch body is not a valid record batch");
  }
  const auto* records = fb::GetRecordBatchBody(body)->records();
  if (records == nullptr || records->size() != h.record_count) {
    return absl::DataLossError("the batch body's record count disagrees with its header");
  }
  return RecordBatchView(h, records);
}

LogRecordView RecordBatchView::record(uint32_t i) const {
  return LogRecordView(RecordAt(records_, i), header_.base_offset + i);
}

}  // namespace sluice::log
