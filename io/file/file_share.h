// One file-source instance's share of the files, apart from how records decode: it
// resolves the location, takes this instance's files (or byte ranges of large ones),
// keeps the open readers taking turns and the overlapping files waiting for a slot,
// and emits their split markers. Not a template, so a job pays for it once in the
// library instead of once per record type (docs/BENCHMARKS.md, "Compile time").
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sluice/io/file/file_reading.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/file/record_reader.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/output.h"

namespace sluice {

class FileShare {
 public:
  struct OpenReader {
    int32_t split;  // -1: the one reader of a source reading files one after another
    std::unique_ptr<RecordReader> records;
  };

  FileShare(std::string location, RecordFormat format, FileReading reading,
            BadRecordPolicy policy);

  // Resolves the files, attaches the bad-record policy and opens this instance's
  // readers (all of them for files read in turn, `files_at_once` for overlapping).
  absl::Status Open(const OperatorContext& context);
  // Before the first data: the start marker of every overlapping file, so one read
  // later than another is still waited for. Does nothing after the first call.
  void AnnounceSplits(Output& out);

  bool empty() const { return open_.empty(); }
  // The reader whose turn it is; give it back with Requeue or Finish.
  OpenReader Next();
  void Requeue(OpenReader reader) { open_.push_back(std::move(reader)); }
  // `reader` has no more records: closes it, ends its split and opens a waiting file.
  absl::Status Finish(OpenReader reader, Output& out);
  // Called even if Open failed or never ran.
  absl::Status Close();

  BadRecordPolicy& policy() { return policy_; }

  // A header that cannot be read (`record.defect`) or that `check` rejects, as the
  // error that fails the job: it names the file and line.
  static absl::Status HeaderError(const TextRecord& record, absl::Status check);

 private:
  absl::Status OpenSplit(int32_t split, std::vector<InputFile> files);
  // Overlapping files: opens waiting ones until `files_at_once` are open.
  absl::Status OpenWaitingFiles();

  std::string location_;
  RecordFormat format_;
  FileReading reading_;
  BadRecordPolicy policy_;
  bool attached_ = false;
  std::deque<OpenReader> open_;    // reading, in turn
  std::deque<InputFile> waiting_;  // overlapping files not opened yet
  std::vector<int64_t> announce_;  // overlapping files: kSplitStart values
  bool announced_ = false;
};

}  // namespace sluice
