// The running instance of every file source: reads this instance's share of the
// files as records, decodes them with a Decoder and sends bad ones to the policy.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/file/record_reader.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/element.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

// Decoder: absl::Status Decode(std::string_view text, T& record), where `record` is
// value-initialised and an error message says what is wrong with the text.
template <class T, class Decoder>
class FileSourceReader final : public SourceOperator {
 public:
  FileSourceReader(std::string location, RecordFormat format, FileReading reading,
                   BadRecordPolicy policy, Decoder decoder)
      : location_(std::move(location)),
        format_(format),
        reading_(reading),
        policy_(std::move(policy)),
        decoder_(std::move(decoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    sizer_ = BatchSizer(context);
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

  // Reads at most one batch worth of records, good or bad, from one split, so a file
  // full of bad records still yields to other tasks. Splits take turns.
  absl::StatusOr<SourceStep> Produce(Output& out) override {
    if (!announced_) {
      // Before any data: a file read later than another must still be waited for.
      for (int64_t split : announce_) out.EmitControl(ElementKind::kSplitStart, split);
      announced_ = true;
    }
    if (open_.empty()) return SourceStep::End();
    OpenReader current = std::move(open_.front());
    open_.pop_front();
    BatchPtr batch = AcquireBatch<T>();
    BatchAs<T>(batch).split = current.split;
    SLUICE_ASSIGN_OR_RETURN(bool more, Read(*current.records, BatchAs<T>(batch).items));
    if (batch->size() > 0) out.Emit(std::move(batch));
    if (more) {
      open_.push_back(std::move(current));
      return SourceStep::More();
    }
    current.records->Close();
    if (current.split >= 0) out.EmitControl(ElementKind::kSplitEnd, current.split);
    SLUICE_RETURN_IF_ERROR(OpenWaitingFiles());
    return open_.empty() ? SourceStep::End() : SourceStep::More();
  }

  // Called even if Open failed or never ran.
  absl::Status Close() override {
    for (OpenReader& reader : open_) reader.records->Close();
    open_.clear();
    if (!attached_) return absl::OkStatus();
    attached_ = false;
    return policy_.Detach();
  }

 private:
  struct OpenReader {
    int32_t split;  // -1: the one reader of a source reading files one after another
    std::unique_ptr<RecordReader> records;
  };

  absl::Status OpenSplit(int32_t split, std::vector<InputFile> files) {
    auto records = std::make_unique<RecordReader>(format_);
    SLUICE_RETURN_IF_ERROR(records->Open(std::move(files)));
    open_.push_back(OpenReader{split, std::move(records)});
    return absl::OkStatus();
  }

  // Overlapping files: opens waiting ones until `files_at_once` are open.
  absl::Status OpenWaitingFiles() {
    while (!waiting_.empty() &&
           open_.size() < static_cast<size_t>(reading_.files_at_once)) {
      InputFile next = std::move(waiting_.front());
      waiting_.pop_front();
      const int32_t split = next.index;
      SLUICE_RETURN_IF_ERROR(OpenSplit(split, {std::move(next)}));
    }
    return absl::OkStatus();
  }

  // Appends the next records of `records`, up to a batch; false once it has no more.
  absl::StatusOr<bool> Read(RecordReader& records, BatchVector<T>& items) {
    const size_t want = sizer_.Next();
    items.reserve(want);
    for (size_t read = 0; read < want; ++read) {
      TextRecord record;
      SLUICE_ASSIGN_OR_RETURN(bool more, records.Next(&record));
      if (!more) return false;
      if (record.header) {
        SLUICE_RETURN_IF_ERROR(CheckHeader(record));
        continue;
      }
      if (!record.defect.empty()) {
        SLUICE_RETURN_IF_ERROR(
            policy_.Report(record.file, record.line, record.defect, record.text));
        continue;
      }
      // T(): batch items default-initialise (see default_init_allocator.h), and a
      // field the text leaves out keeps the struct's default, never an old value.
      T& item = items.emplace_back(T());
      absl::Status status = decoder_.Decode(record.text, item);
      if (status.ok()) continue;
      items.pop_back();
      std::string_view reason(status.message().data(), status.message().size());
      SLUICE_RETURN_IF_ERROR(
          policy_.Report(record.file, record.line, reason, record.text));
    }
    return true;
  }

  // A header that cannot be read, or that names other fields, fails the job whatever
  // the bad-record policy: every record of the file would be decoded wrongly.
  absl::Status CheckHeader(const TextRecord& record) {
    absl::Status status = record.defect.empty()
                              ? absl::OkStatus()
                              : absl::InvalidArgumentError(std::string(record.defect));
    if constexpr (requires { decoder_.CheckHeader(record.text); }) {
      if (status.ok()) status = decoder_.CheckHeader(record.text);
    }
    if (status.ok()) return status;
    return absl::InvalidArgumentError(absl::StrCat(std::string(record.file), " line ",
                                                   record.line, ": ", status.message()));
  }

  std::string location_;
  RecordFormat format_;
  FileReading reading_;
  BadRecordPolicy policy_;
  Decoder decoder_;
  BatchSizer sizer_;
  bool attached_ = false;
  std::deque<OpenReader> open_;    // reading, in turn
  std::deque<InputFile> waiting_;  // overlapping files not opened yet
  std::vector<int64_t> announce_;  // overlapping files: kSplitStart values
  bool announced_ = false;
};

}  // namespace sluice
