#include "sluice/io/log/segment_scanner.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/status_macros.h"

namespace sluice::log {
namespace {

using batch_format::kHeaderSize;

// Files are read this much at a time.
constexpr size_t kWindowBytes = 1 << 20;

}  // namespace

absl::StatusOr<std::string_view> SegmentFileBytes::At(uint64_t position, size_t need) {
  if (position >= start_ && position + need <= start_ + length_) {
    return std::string_view(buffer_.data() + (position - start_),
                            start_ + length_ - position);
  }
  const size_t want = std::max(need, kWindowBytes);
  buffer_.Reserve(want);
  start_ = position;
  length_ = 0;
  SLUICE_RETURN_IF_ERROR(file_.PRead(position, want, buffer_.data(), &length_));
  return std::string_view(buffer_.data(), length_);
}

absl::StatusOr<std::string_view> SegmentMemoryBytes::At(uint64_t position, size_t) {
  if (position < start_) {
    return absl::InternalError(absl::StrCat("segment position ", position,
                                            " is before the bytes read, from ", start_));
  }
  const uint64_t at = std::min<uint64_t>(position - start_, bytes_.size());
  return bytes_.substr(at);
}

absl::StatusOr<SegmentScanner::Step> SegmentScanner::Next() {
  Step step;
  step.position = position_;
  std::string why;
  SLUICE_ASSIGN_OR_RETURN(std::optional<RecordBatchView> batch, BatchAt(position_, &why));
  if (batch.has_value() && batch->base_offset() > next_offset_) {
    // Intact, but offsets are missing before it (the batch comes next time).
    step.kind = Step::Kind::kDamage;
    step.offsets = {next_offset_, batch->base_offset()};
    step.why = absl::StrCat("a batch at offset ", batch->base_offset(), " where offset ",
                            next_offset_, " was due");
    next_offset_ = batch->base_offset();
    return step;
  }
  if (batch.has_value()) {
    step.kind = Step::Kind::kBatch;
    step.size = batch->size();
    step.offsets = {batch->base_offset(), batch->next_offset()};
    step.batch = batch;
    position_ += batch->size();
    next_offset_ = batch->next_offset();
    return step;
  }
  SLUICE_ASSIGN_OR_RETURN(std::optional<uint64_t> intact, FindIntactBatch(position_ + 8));
  step.why = std::move(why);
  if (intact.has_value()) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<RecordBatchView> next, BatchAt(*intact, &why));
    if (!next.has_value()) {
      return absl::InternalError(absl::StrCat("the batch at segment position ", *intact,
                                              " was intact and is not: ", why));
    }
    step.kind = Step::Kind::kDamage;
    step.size = *intact - position_;
    step.offsets = {next_offset_, next->base_offset()};
    position_ = *intact;
    next_offset_ = next->base_offset();
    return step;
  }
  SLUICE_ASSIGN_OR_RETURN(uint64_t end, bytes_.End());
  step.kind = Step::Kind::kEnd;
  step.size = end > position_ ? end - position_ : 0;
  return step;
}

absl::StatusOr<std::optional<RecordBatchView>> SegmentScanner::BatchAt(uint64_t position,
                                                                       std::string* why) {
  SLUICE_ASSIGN_OR_RETURN(std::string_view bytes, bytes_.At(position, kHeaderSize));
  if (bytes.empty()) return std::nullopt;  // the end
  if (bytes.size() < kHeaderSize) {
    *why = absl::StrCat("a partial batch of ", bytes.size(), " bytes");
    return std::nullopt;
  }
  const RecordBatchView::Header header = RecordBatchView::ReadHeader(bytes.data());
  // An implausible header is left to Parse to describe.
  const size_t need = header.plausible() ? header.total_size() : kHeaderSize;
  if (bytes.size() < need) {
    SLUICE_ASSIGN_OR_RETURN(bytes, bytes_.At(position, need));
    if (bytes.size() < need) {
      *why = absl::StrCat("a partial batch of ", bytes.size(), " bytes");
      return std::nullopt;
    }
  }
  auto batch = RecordBatchView::Parse(bytes);
  if (!batch.ok()) {
    *why = std::string(batch.status().message());
    return std::nullopt;
  }
  if (batch->base_offset() < 0 ||
      batch->base_offset() >
          std::numeric_limits<int64_t>::max() - batch->record_count()) {
    *why = absl::StrCat("a batch at impossible offset ", batch->base_offset());
    return std::nullopt;
  }
  if (batch->base_offset() < next_offset_) {
    *why = absl::StrCat("a batch at offset ", batch->base_offset(), " where offset ",
                        next_offset_, " was due");
    return std::nullopt;
  }
  if (position + batch->size() > kMaxSegmentBytes ||
      batch->next_offset() - segment_base_ > std::numeric_limits<uint32_t>::max()) {
    *why = "a batch past the segment's limits";
    return std::nullopt;
  }
  return batch;
}

absl::StatusOr<std::optional<uint64_t>> SegmentScanner::FindIntactBatch(uint64_t from) {
  for (uint64_t at = from;;) {
    SLUICE_ASSIGN_OR_RETURN(std::string_view bytes, bytes_.At(at, kHeaderSize));
    if (bytes.size() < kHeaderSize) return std::nullopt;
    // Only a batch's magic number is worth parsing from.
    size_t i = 0;
    for (; i + kHeaderSize <= bytes.size(); i += 8) {
      uint32_t magic;
      std::memcpy(&magic, bytes.data() + i, 4);
      if (magic == batch_format::kMagic) break;
    }
    at += i;
    if (i + kHeaderSize > bytes.size()) continue;  // read on from there
    std::string ignored;
    SLUICE_ASSIGN_OR_RETURN(std::optional<RecordBatchView> batch, BatchAt(at, &ignored));
    if (batch.has_value()) return at;
    at += 8;
  }
}

}  // namespace sluice::log
