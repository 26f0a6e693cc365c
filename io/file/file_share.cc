#include "sluice/io/file/file_share.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/element.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

FileShare::FileShare(std::string location, RecordFormat format, FileReading reading,
                     BadRecordPolicy policy)
    : location_(std::move(location)),
      format_(format),
      reading_(reading),
      policy_(std::move(policy)) {}

absl::Status FileShare::Open(const OperatorContext& context) {
  // Resolved again here, not only in Validate(), because files may have come or
  // gone since the job was built; and before the dead-letter file is emptied.
  SLUICE_ASSIGN_OR_RETURN(InputFileSet files, InputFileSet::Resolve(location_));
  SLUICE_RETURN_IF_ERROR(policy_.CheckNotAnInput(files, location_));
  SLUICE_RETURN_IF_ERROR(policy_.Attach());
  attached_ = true;
  // Large files are cut into byte ranges for parallel readers, unless a record can
  // span lines or each file is a split with its own watermark.
  FileSplitting splitting;
  splitting.enabled = !format_.quoted_line_breaks && !reading_.overlapping;
  std::vector<InputFile> share =
      files.ShareOf(context.instance, context.parallelism, splitting);
  if (!reading_.overlapping) return OpenSplit(-1, std::move(share));
  // Every file is checked now, so an unreadable one fails the job when it starts.
  SLUICE_RETURN_IF_ERROR(RecordReader(format_).Open(share));
  for (InputFile& file : share) {
    // Files beyond the first `files_at_once` wait for a slot: queued, so that an
    // idleness timeout cannot stop them holding event time back meanwhile.
    const bool queued = announce_.size() >= static_cast<size_t>(reading_.files_at_once);
    announce_.push_back(SplitStartValue(file.index, queued));
    waiting_.push_back(std::move(file));
  }
  return OpenWaitingFiles();
}

void FileShare::AnnounceSplits(Output& out) {
  if (announced_) return;
  for (int64_t split : announce_) out.EmitControl(ElementKind::kSplitStart, split);
  announced_ = true;
}

FileShare::OpenReader FileShare::Next() {
  OpenReader next = std::move(open_.front());
  open_.pop_front();
  return next;
}

absl::Status FileShare::Finish(OpenReader reader, Output& out) {
  reader.records->Close();
  if (reader.split >= 0) out.EmitControl(ElementKind::kSplitEnd, reader.split);
  return OpenWaitingFiles();
}

absl::Status FileShare::Close() {
  for (OpenReader& reader : open_) reader.records->Close();
  open_.clear();
  if (!attached_) return absl::OkStatus();
  attached_ = false;
  return policy_.Detach();
}

absl::Status FileShare::HeaderError(const TextRecord& record, absl::Status check) {
  absl::Status status = record.defect.empty()
                            ? std::move(check)
                            : absl::InvalidArgumentError(std::string(record.defect));
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(std::string(record.file), " line ",
                                                 record.line, ": ", status.message()));
}

absl::Status FileShare::OpenSplit(int32_t split, std::vector<InputFile> files) {
  auto records = std::make_unique<RecordReader>(format_);
  SLUICE_RETURN_IF_ERROR(records->Open(std::move(files)));
  open_.push_back(OpenReader{split, std::move(records)});
  return absl::OkStatus();
}

absl::Status FileShare::OpenWaitingFiles() {
  while (!waiting_.empty() &&
         open_.size() < static_cast<size_t>(reading_.files_at_once)) {
    InputFile next = std::move(waiting_.front());
    waiting_.pop_front();
    const int32_t split = next.index;
    SLUICE_RETURN_IF_ERROR(OpenSplit(split, {std::move(next)}));
  }
  return absl::OkStatus();
}

}  // namespace sluice
