#include "sluice/io/log/record_batch.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/runtime/storage/aligned_buffer.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/tests/log/log_test_records.h"

namespace sluice::log {
namespace {

using testing::AddTo;
using testing::FromView;
using testing::MakeRecord;
using testing::ModelRecord;

// A stamped batch's bytes in an aligned buffer, as a reader would have them.
struct Framed {
  AlignedBuffer buffer;
  size_t size = 0;
  std::string_view bytes() const { return {buffer.data(), size}; }
};

Framed Frame(RecordBatchBuilder::Finished& finished, int64_t base_offset) {
  StampBatchHeader(finished, base_offset);
  Framed framed;
  framed.buffer.Reserve(finished.size());
  for (std::string_view piece : finished.pieces()) {
    std::memcpy(framed.buffer.data() + framed.size, piece.data(), piece.size());
    framed.size += piece.size();
  }
  return framed;
}

Framed Frame(RecordBatchBuilder& builder, int64_t base_offset) {
  auto finished = builder.Finish();
  EXPECT_TRUE(finished.ok()) << finished.status();
  return Frame(*finished, base_offset);
}

TEST(RecordBatchTest, RoundTripsRecordsWithOffsetsAndHeader) {
  RecordBatchBuilder builder;
  std::vector<ModelRecord> want;
  for (int i = 0; i < 50; ++i) {
    want.push_back(MakeRecord(i));
    AddTo(builder, want.back());
  }
  want[7].value.clear();  // an empty value survives too
  builder.Clear();
  for (const ModelRecord& r : want) AddTo(builder, r);
  Framed framed = Frame(builder, 1000);
  ASSERT_EQ(framed.size % 8, 0u);

  auto batch = RecordBatchView::Parse(framed.bytes());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->base_offset(), 1000);
  EXPECT_EQ(batch->record_count(), 50u);
  EXPECT_EQ(batch->next_offset(), 1050);
  EXPECT_EQ(batch->size(), framed.size);
  int64_t max_timestamp = want[0].timestamp;
  for (const ModelRecord& r : want) max_timestamp = std::max(max_timestamp, r.timestamp);
  EXPECT_EQ(batch->max_timestamp(), max_timestamp);
  for (uint32_t i = 0; i < 50; ++i) {
    EXPECT_EQ(batch->record(i).offset(), 1000 + i);
    EXPECT_EQ(FromView(batch->record(i)), want[i]) << i;
  }
}

TEST(RecordBatchTest, EveryFlippedByteIsDetected) {
  RecordBatchBuilder builder;
  for (int i = 0; i < 4; ++i) AddTo(builder, MakeRecord(i));
  Framed framed = Frame(builder, 5);
  for (size_t at = 0; at < framed.size; ++at) {
    for (char flip : {'\x01', '\x80'}) {
      framed.buffer.data()[at] ^= flip;
      auto batch = RecordBatchView::Parse(framed.bytes());
      EXPECT_FALSE(batch.ok()) << "byte " << at << " flipped by " << int(flip);
      if (!batch.ok()) {
        EXPECT_TRUE(absl::IsDataLoss(batch.status()));
      }
      framed.buffer.data()[at] ^= flip;
    }
  }
  EXPECT_TRUE(RecordBatchView::Parse(framed.bytes()).ok());
}

TEST(RecordBatchTest, EveryTruncationIsDetected) {
  RecordBatchBuilder builder;
  for (int i = 0; i < 3; ++i) AddTo(builder, MakeRecord(i));
  Framed framed = Frame(builder, 0);
  for (size_t size = 0; size < framed.size; ++size) {
    auto batch = RecordBatchView::Parse(framed.bytes().substr(0, size));
    EXPECT_FALSE(batch.ok()) << size;
  }
}

// Damage the CRC cannot see (a batch written by a faulty or hostile writer, with a
// correct CRC) is refused too, never read out of bounds.
TEST(RecordBatchTest, AValidCrcOverAnInvalidIndexIsRefused) {
  RecordBatchBuilder builder;
  AddTo(builder, MakeRecord(1));
  auto finished = builder.Finish();
  ASSERT_TRUE(finished.ok());
  std::string garbage(finished->body[0].size(), '\x7f');
  finished->body[0] = garbage;
  auto batch = RecordBatchView::Parse(Frame(*finished, 0).bytes());
  ASSERT_FALSE(batch.ok());
  EXPECT_NE(batch.status().message().find("not a valid record batch index"),
            std::string::npos)
      << batch.status();
}

// Rewrites the CRC of a framed batch after a test changed its bytes.
void Restamp(Framed& framed) {
  char* bytes = framed.buffer.data();
  uint32_t crc =
      Crc32c(std::string_view(bytes + batch_format::kHeaderSize,
                              framed.size - batch_format::kHeaderSize),
             Crc32c(std::string_view(bytes + 8, batch_format::kHeaderSize - 8)));
  std::memcpy(bytes + 4, &crc, 4);
}

TEST(RecordBatchTest, AnEntryPointingOutsideTheDataIsRefused) {
  RecordBatchBuilder builder;
  const ModelRecord record = MakeRecord(3);  // with a header
  AddTo(builder, record);
  Framed framed = Frame(builder, 0);
  ASSERT_TRUE(RecordBatchView::Parse(framed.bytes()).ok());
  // The record's index entry starts with its timestamp; each length field in turn
  // (key, value) is made to reach past the data, and so is the header count.
  const std::string_view all = framed.bytes();
  const size_t entry =
      all.find(std::string_view(reinterpret_cast<const char*>(&record.timestamp),
                                sizeof(record.timestamp)),
               batch_format::kHeaderSize);  // after the header's max_timestamp
  ASSERT_NE(entry, std::string::npos);
  for (size_t field : {12u, 20u, 28u}) {  // key_length, value_length, header_count
    Framed damaged = framed;
    uint32_t huge = 1u << 20;
    std::memcpy(damaged.buffer.data() + entry + field, &huge, 4);
    Restamp(damaged);
    auto batch = RecordBatchView::Parse(damaged.bytes());
    ASSERT_FALSE(batch.ok()) << field;
    EXPECT_NE(batch.status().message().find("points outside"), std::string::npos)
        << batch.status();
  }
}

TEST(RecordBatchTest, ANewerFormatVersionIsNamed) {
  RecordBatchBuilder builder;
  AddTo(builder, MakeRecord(1));
  auto finished = builder.Finish();
  ASSERT_TRUE(finished.ok());
  finished->header[36] = 2;
  auto batch = RecordBatchView::Parse(Frame(*finished, 0).bytes());
  ASSERT_TRUE(absl::IsFailedPrecondition(batch.status())) << batch.status();
  EXPECT_NE(batch.status().message().find("version 2"), std::string::npos);
}

TEST(RecordBatchTest, AnEmptyBatchIsRefused) {
  RecordBatchBuilder builder;
  auto finished = builder.Finish();
  EXPECT_TRUE(absl::IsInvalidArgument(finished.status())) << finished.status();
}

}  // namespace
}  // namespace sluice::log
