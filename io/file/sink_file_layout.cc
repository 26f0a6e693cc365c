// Output paths of the file sinks.
#include "sluice/io/file/sink_file_layout.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace sluice {

absl::Status SinkFileLayout::Validate() const {
  if (path_.empty()) return absl::InvalidArgumentError("the output path is empty");
  std::error_code error;
  if (per_instance_) {
    if (std::filesystem::exists(path_, error) &&
        !std::filesystem::is_directory(path_, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat("output directory '", path_, "' exists and is not a directory"));
    }
    return absl::OkStatus();
  }
  if (std::filesystem::is_directory(path_, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("output file '", path_, "' is a directory"));
  }
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, error)) {
    return absl::NotFoundError(absl::StrCat(
        "directory '", parent.string(), "' of output file '", path_, "' does not exist"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SinkFileLayout::PrepareFile(int instance) const {
  if (!per_instance_) return path_;
  std::error_code error;
  std::filesystem::create_directories(path_, error);
  if (error) {
    return absl::Status(
        absl::ErrnoToStatusCode(error.value()),
        absl::StrCat("cannot create output directory '", path_, "': ", error.message()));
  }
  return (std::filesystem::path(path_) / absl::StrCat("part-", instance, ".", extension_))
      .string();
}

}  // namespace sluice
