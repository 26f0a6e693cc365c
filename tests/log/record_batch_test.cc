#include "io/log/record_batch.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/log/aligned_buffer.h"
#include "tests/log/log_test_records.h"

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

Framed Frame(RecordBatchBuilder& builder, int64_t base_offset) {
  auto finished = builder.Finish();
  EXPECT_TRUE(finished.ok()) << finished.status();
  StampBatchHeader(finished->header, base_offset, finished->body);
  Framed framed;
  framed.size = batch_format::kHeaderSize + finished->body.size();
  framed.buffer.Reserve(framed.size);
  std::memcpy(framed.buffer.data(), finished->header, batch_format::kHeaderSize);
  std::memcpy(framed.buffer.data() + batch_format::kHeaderSize, finished->body.data(),
              finished->body.size());
  return framed;
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

TEST(RecordBatchTest, AValidCrcOverAnInvalidBodyIsRefused) {
  // Bytes that are not a FlatBuffer, framed with a correct CRC: the verifier, not the
  // CRC, has to catch them.
  RecordBatchBuilder builder;
  AddTo(builder, MakeRecord(1));
  auto finished = builder.Finish();
  ASSERT_TRUE(finished.ok());
  std::string garbage(finished->body.size(), '\x7f');
  StampBatchHeader(finished->header, 0, garbage);
  AlignedBuffer buffer;
  buffer.Reserve(batch_format::kHeaderSize + garbage.size());
  std::memcpy(buffer.data(), finished->header, batch_format::kHeaderSize);
  std::memcpy(buffer.data() + batch_format::kHeaderSize, garbage.data(), garbage.size());
  auto batch = RecordBatchView::Parse(
      std::string_view(buffer.data(), batch_format::kHeaderSize + garbage.size()));
  ASSERT_FALSE(batch.ok());
  EXPECT_NE(batch.status().message().find("not a valid record batch"), std::string::npos)
      << batch.status();
}

TEST(RecordBatchTest, AnEmptyBatchIsRefused) {
  RecordBatchBuilder builder;
  auto finished = builder.Finish();
  EXPECT_TRUE(absl::IsInvalidArgument(finished.status())) << finished.status();
}

}  // namespace
}  // namespace sluice::log
