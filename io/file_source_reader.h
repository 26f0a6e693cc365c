// The running instance of every file source: reads this instance's share of the
// files as records, decodes them with a Decoder and sends bad ones to the policy.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/bad_record_policy.h"
#include "io/input_file_set.h"
#include "io/record_reader.h"
#include "runtime/batch_pool.h"
#include "runtime/batch_sizer.h"
#include "runtime/operator.h"
#include "runtime/status_macros.h"

namespace sluice {

// Decoder: absl::Status Decode(std::string_view text, T& record), where `record` is
// value-initialised and an error message says what is wrong with the text.
template <class T, class Decoder>
class FileSourceReader final : public SourceOperator {
 public:
  FileSourceReader(std::string location, RecordFormat format, BadRecordPolicy policy,
                   Decoder decoder)
      : location_(std::move(location)),
        records_(format),
        policy_(std::move(policy)),
        decoder_(std::move(decoder)) {}

  absl::Status Open(const OperatorContext& context) override {
    sizer_ = BatchSizer(context);
    SLUICE_RETURN_IF_ERROR(policy_.Attach());
    attached_ = true;
    // Resolved again here, not only in Validate(), because files may have come or
    // gone since the job was built.
    SLUICE_ASSIGN_OR_RETURN(InputFileSet files, InputFileSet::Resolve(location_));
    return records_.Open(files.ShareOf(context.instance, context.parallelism));
  }

  // Reads at most one batch worth of records, good or bad, so a file full of bad
  // records still yields to other tasks.
  absl::StatusOr<SourceStep> Produce(Output& out) override {
    size_t want = sizer_.Next();
    BatchPtr batch = AcquireBatch<T>();
    auto& items = BatchAs<T>(batch).items;
    items.reserve(want);
    bool more = true;
    for (size_t read = 0; read < want; ++read) {
      TextRecord record;
      SLUICE_ASSIGN_OR_RETURN(more, records_.Next(&record));
      if (!more) break;
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
    out.Emit(std::move(batch));
    return more ? SourceStep::More() : SourceStep::End();
  }

  // Called even if Open failed or never ran.
  absl::Status Close() override {
    records_.Close();
    if (!attached_) return absl::OkStatus();
    attached_ = false;
    return policy_.Detach();
  }

 private:
  std::string location_;
  RecordReader records_;
  BadRecordPolicy policy_;
  Decoder decoder_;
  BatchSizer sizer_;
  bool attached_ = false;
};

}  // namespace sluice
