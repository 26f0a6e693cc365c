// Applying the bad-record policy of a file source.
#include "sluice/io/records/bad_record_policy.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace sluice {

BadRecordPolicy BadRecordPolicy::DeadLetter(std::string path) {
  return BadRecordPolicy(Action::kDeadLetter,
                         std::make_shared<DeadLetterWriter>(std::move(path)));
}

absl::Status BadRecordPolicy::Validate() const {
  if (action_ != Action::kDeadLetter) return absl::OkStatus();
  const std::string& path = dead_letters_->path();
  if (path.empty()) return absl::InvalidArgumentError("the dead-letter path is empty");
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::is_directory(parent, error)) {
    return absl::NotFoundError(absl::StrCat("directory '", parent.string(),
                                            "' of dead-letter file '", path,
                                            "' does not exist"));
  }
  return absl::OkStatus();
}

const std::string& BadRecordPolicy::DeadLetterPath() const {
  return dead_letters_->path();
}

absl::Status BadRecordPolicy::DeadLetterIsAnInput(std::string_view location) const {
  return absl::InvalidArgumentError(
      absl::StrCat("dead-letter file '", dead_letters_->path(),
                   "' is an input of this source ('", std::string(location),
                   "'): writing it would destroy that input or read the dead letters "
                   "back as input; put it outside the input"));
}

absl::Status BadRecordPolicy::Attach() const {
  return action_ == Action::kDeadLetter ? dead_letters_->Attach() : absl::OkStatus();
}

absl::Status BadRecordPolicy::Detach() const {
  return action_ == Action::kDeadLetter ? dead_letters_->Detach() : absl::OkStatus();
}

absl::Status BadRecordPolicy::Report(std::string_view file, uint64_t line,
                                     std::string_view reason,
                                     std::string_view record) const {
  switch (action_) {
    case Action::kFail:
      return absl::InvalidArgumentError(absl::StrCat(
          "bad record at ", std::string(file), ":", line, ": ", std::string(reason)));
    case Action::kSkip:
      counts_.AddSkipped();
      return absl::OkStatus();
    case Action::kDeadLetter: {
      absl::Status status = dead_letters_->Write(file, line, reason, record);
      if (status.ok()) counts_.AddDeadLettered();
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice
