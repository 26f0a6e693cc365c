// The newest complete checkpoint's id, as one line of text and a CRC-32C trailer.
#include "sluice/runtime/checkpoint/checkpoint_completion_record.h"

#include <charconv>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {
namespace {

constexpr absl::string_view kPrefix = "latest complete checkpoint ";
constexpr uint64_t kMaxBytes = 4096;

}  // namespace

absl::Status CheckpointCompletionRecord::Write(const std::string& dir, int64_t id) {
  std::string bytes = absl::StrCat(kPrefix, id, "\n");
  AppendCrc32cTrailer(&bytes);
  return WriteFileAtomically(dir, PathIn(dir), bytes, "checkpoint_record");
}

absl::StatusOr<std::optional<int64_t>> CheckpointCompletionRecord::Read(
    const std::string& dir) {
  const std::string path = PathIn(dir);
  absl::StatusOr<std::string> bytes = ReadWholeFile(path, kMaxBytes);
  if (absl::IsNotFound(bytes.status())) return std::nullopt;
  if (!bytes.ok()) return bytes.status();
  auto damaged = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat("checkpoint completion record ", path, " is damaged: ", why));
  };
  if (!TakeCrc32cTrailer(&*bytes)) return damaged("CRC mismatch or too short");
  std::string_view text = *bytes;
  if (!text.starts_with(std::string_view(kPrefix.data(), kPrefix.size())) ||
      !text.ends_with('\n')) {
    return damaged("not a completion record");
  }
  text = text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1);
  int64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id < 1) {
    return damaged("not a checkpoint id");
  }
  return id;
}

}  // namespace sluice
