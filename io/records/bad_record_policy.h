// What a file source does with an input record it cannot read: fail the job, skip it
// (counted) or write it to a dead-letter file (counted). Bad input never vanishes
// silently: it stops the job, or it is counted, or both counted and kept.
//
//   auto policy = sluice::BadRecordPolicy::DeadLetter("/data/rejected.jsonl");
//   flow.Source(sluice::CsvSource(path, schema).OnBadRecord(policy)) ...
//   ... after the job: policy.counts().dead_lettered()
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sluice/io/records/bad_record_counts.h"
#include "sluice/io/records/dead_letter_writer.h"

namespace sluice {

// Copies share their counts and dead-letter file. Thread-safe.
class BadRecordPolicy {
 public:
  enum class Action { kFail, kSkip, kDeadLetter };

  // The job stops with an error naming the file, the line and the reason. The default.
  static BadRecordPolicy Fail() { return BadRecordPolicy(Action::kFail, nullptr); }
  // The record is dropped and counted.
  static BadRecordPolicy Skip() { return BadRecordPolicy(Action::kSkip, nullptr); }
  // The record, the reason, the file and the line go to a JSON-lines file at `path`
  // (format in dead_letter_writer.h), which each run of the job recreates.
  static BadRecordPolicy DeadLetter(std::string path);

  Action action() const { return action_; }
  const BadRecordCounts& counts() const { return counts_; }

  // When the job is built: the dead-letter file's directory must exist.
  absl::Status Validate() const;
  // For file sources, when the job is built and again when it starts: the
  // dead-letter file must not be one of the source's inputs, or become one (a file in
  // the directory it reads, a match of its pattern). It would be emptied, or read
  // back as input while the job writes it, without end.
  // `inputs.Covers(path)` says whether a path is one of the inputs (InputFileSet).
  template <class Inputs>
  absl::Status CheckNotAnInput(const Inputs& inputs, std::string_view location) const {
    if (action_ != Action::kDeadLetter || !inputs.Covers(DeadLetterPath())) {
      return absl::OkStatus();
    }
    return DeadLetterIsAnInput(location);
  }

  // For sources: each parallel reader calls Attach() in Open and Detach() in Close,
  // and Report() for each bad record. Report returns an error, naming `file` and
  // `line`, under Fail (or if the dead-letter file cannot be written) and OK after
  // counting the record otherwise.
  absl::Status Attach() const;
  absl::Status Report(std::string_view file, uint64_t line, std::string_view reason,
                      std::string_view record) const;
  absl::Status Detach() const;

 private:
  BadRecordPolicy(Action action, std::shared_ptr<DeadLetterWriter> dead_letters)
      : action_(action), dead_letters_(std::move(dead_letters)) {}

  const std::string& DeadLetterPath() const;
  absl::Status DeadLetterIsAnInput(std::string_view location) const;

  Action action_;
  std::shared_ptr<DeadLetterWriter> dead_letters_;
  BadRecordCounts counts_;
};

}  // namespace sluice
