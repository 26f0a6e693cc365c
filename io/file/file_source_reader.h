// The running instance of every file source: reads this instance's share of the
// files as records, decodes them with a Decoder and sends bad ones to the policy.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/file_share.h"
#include "sluice/io/file/record_reader.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

// Decoder: absl::Status Decode(std::string_view text, T& record), where `record` is
// value-initialised and an error message says what is wrong with the text. The
// files themselves are FileShare's; this template holds only what depends on T.
template <class T, class Decoder>
class FileSourceReader final : public SourceOperator {
 public:
  FileSourceReader(std::string location, RecordFormat format, FileReading reading,
                   BadRecordPolicy policy, Decoder decoder)
      : share_(std::move(location), format, reading, std::move(policy)),
        decoder_(std::move(decoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    sizer_ = BatchSizer(context);
    return share_.Open(context);
  }

  // Reads at most one batch worth of records, good or bad, from one split, so a file
  // full of bad records still yields to other tasks. Splits take turns.
  absl::StatusOr<SourceStep> Produce(Output& out) override {
    share_.AnnounceSplits(out);
    if (share_.empty()) return SourceStep::End();
    FileShare::OpenReader current = share_.Next();
    BatchPtr batch = AcquireBatch<T>();
    BatchAs<T>(batch).split = current.split;
    SLUICE_ASSIGN_OR_RETURN(bool more, Read(*current.records, BatchAs<T>(batch).items));
    if (batch->size() > 0) out.Emit(std::move(batch));
    if (more) {
      share_.Requeue(std::move(current));
      return SourceStep::More();
    }
    SLUICE_RETURN_IF_ERROR(share_.Finish(std::move(current), out));
    return share_.empty() ? SourceStep::End() : SourceStep::More();
  }

  absl::Status Close() override { return share_.Close(); }

 private:
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
            share_.policy().Report(record.file, record.line, record.defect, record.text));
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
          share_.policy().Report(record.file, record.line, reason, record.text));
    }
    return true;
  }

  // A header that cannot be read, or that names other fields, fails the job whatever
  // the bad-record policy: every record of the file would be decoded wrongly.
  absl::Status CheckHeader(const TextRecord& record) {
    absl::Status check;
    if constexpr (requires { decoder_.CheckHeader(record.text); }) {
      if (record.defect.empty()) check = decoder_.CheckHeader(record.text);
    }
    return FileShare::HeaderError(record, std::move(check));
  }

  FileShare share_;
  Decoder decoder_;
  BatchSizer sizer_;
};

}  // namespace sluice
