// Fuzzes reading the log's record batches (io/log/record_batch.h), as a reader meets
// them in a damaged segment: every input as it is, and again with its CRC made right,
// so that the checks behind the CRC (lengths, the FlatBuffers index, entries pointing
// into the data) are reached too. A batch that parses must have every record and
// header inside the batch: reading them all lets AddressSanitizer catch one outside.
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "sluice/io/log/record_batch.h"
#include "sluice/tests/fuzz/invariant.h"

namespace {

using sluice::log::RecordBatchView;
namespace batch_format = sluice::log::batch_format;

uint64_t Touch(std::string_view bytes) {
  uint64_t sum = 0;
  for (char c : bytes) sum += static_cast<unsigned char>(c);
  return sum;
}

void ReadAll(std::string_view bytes) {
  absl::StatusOr<RecordBatchView> batch = RecordBatchView::Parse(bytes);
  if (!batch.ok()) return;
  if (batch->size() > bytes.size()) sluice::fuzz::Broken("a batch larger than its bytes");
  uint64_t sum = 0;
  for (uint32_t i = 0; i < batch->record_count(); ++i) {
    sluice::log::LogRecordView record = batch->record(i);
    sum += Touch(record.key()) + Touch(record.value());
    for (size_t h = 0; h < record.header_count(); ++h) {
      sum += Touch(record.header(h).key) + Touch(record.header(h).value);
    }
  }
  volatile uint64_t sink = sum;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Batches are read 8-byte aligned from mapped segments.
  std::vector<uint64_t> aligned((size + 7) / 8);
  char* bytes = reinterpret_cast<char*>(aligned.data());
  std::memcpy(bytes, data, size);
  ReadAll(std::string_view(bytes, size));
  if (size < batch_format::kHeaderSize) return 0;
  const RecordBatchView::Header header = RecordBatchView::ReadHeader(bytes);
  const size_t body = size - batch_format::kHeaderSize;
  if (header.body_length > body) return 0;
  const std::string_view pieces[] = {
      std::string_view(bytes + batch_format::kHeaderSize, header.body_length)};
  sluice::log::StampBatchHeader(bytes, pieces, header.base_offset);
  ReadAll(std::string_view(bytes, size));
  return 0;
}
