#include "runtime/checkpoint/checkpoint_storage.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/storage/posix_file.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "chk-";

// Creates `dir` (which must not exist) and makes that durable in its parent.
absl::Status CreateFreshDirectory(const std::string& dir) {
  std::error_code error;
  if (!fs::create_directory(dir, error)) {
    if (!error) return absl::AlreadyExistsError(absl::StrCat(dir, " already exists"));
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  fs::path parent = fs::path(dir).parent_path();
  return SyncDirectory(parent.empty() ? "." : parent.string());
}

}  // namespace

absl::StatusOr<std::unique_ptr<CheckpointStorage>> CheckpointStorage::Open(
    std::string dir, int retain) {
  if (retain < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints to retain must be at least 1, not ", retain));
  }
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create checkpoint directory ", dir, ": ", error.message()));
  }
  return std::unique_ptr<CheckpointStorage>(
      new CheckpointStorage(std::move(dir), retain));
}

std::string CheckpointStorage::PathOf(int64_t id) const {
  return absl::StrFormat("%s/%s%020d", dir_, kPrefix, id);
}

absl::StatusOr<std::vector<int64_t>> CheckpointStorage::AllIds() const {
  std::vector<int64_t> ids;
  std::error_code error;
  fs::directory_iterator it(dir_, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() != kPrefix.size() + 20 || !name.starts_with(kPrefix)) continue;
    int64_t id = 0;
    const char* digits = name.data() + kPrefix.size();
    auto [end, ec] = std::from_chars(digits, digits + 20, id);
    if (ec == std::errc() && end == digits + 20) ids.push_back(id);
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list checkpoint directory ", dir_, ": ", error.message()));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<std::vector<int64_t>> CheckpointStorage::CompletedIds() const {
  auto ids = AllIds();
  if (!ids.ok()) return ids.status();
  std::vector<int64_t> complete;
  for (int64_t id : *ids) {
    std::error_code error;
    if (fs::exists(PathOf(id) + "/MANIFEST", error)) complete.push_back(id);
  }
  return complete;
}

absl::StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointStorage::Begin(int64_t id) {
  auto ids = AllIds();
  if (!ids.ok()) return ids.status();
  if (!ids->empty() && ids->back() >= id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", id, " is not newer than checkpoint ", ids->back(), " in ", dir_));
  }
  const std::string path = PathOf(id);
  if (absl::Status s = CreateFreshDirectory(path); !s.ok()) return s;
  return std::make_unique<CheckpointWriter>(path, id, /*savepoint=*/false,
                                            [this, id] { Prune(id); });
}

absl::StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointStorage::BeginSavepoint(
    std::string dir, int64_t id) {
  if (absl::Status s = CreateFreshDirectory(dir); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("savepoint: ", s.message()));
  }
  return std::make_unique<CheckpointWriter>(std::move(dir), id, /*savepoint=*/true,
                                            nullptr);
}

void CheckpointStorage::Prune(int64_t newest) const {
  auto ids = AllIds();
  if (!ids.ok()) return;  // retention is best effort; the next commit tries again
  auto complete = CompletedIds();
  if (!complete.ok()) return;
  // The oldest complete checkpoint to keep.
  const int64_t keep_from =
      complete->size() > static_cast<size_t>(retain_)
          ? (*complete)[complete->size() - static_cast<size_t>(retain_)]
          : INT64_MIN;
  for (int64_t id : *ids) {
    const bool is_complete = std::binary_search(complete->begin(), complete->end(), id);
    const bool too_old = is_complete && id < keep_from;
    const bool abandoned = !is_complete && id < newest;
    if (!too_old && !abandoned) continue;
    std::error_code error;
    fs::remove_all(PathOf(id), error);
  }
  (void)SyncDirectory(dir_);
}

absl::StatusOr<CompletedCheckpoint> CheckpointStorage::LoadLatest(
    const CheckpointWarning& warn) const {
  auto ids = CompletedIds();
  if (!ids.ok()) return ids.status();
  for (auto it = ids->rbegin(); it != ids->rend(); ++it) {
    auto checkpoint = CompletedCheckpoint::Load(PathOf(*it));
    if (checkpoint.ok()) return checkpoint;
    const bool older = std::next(it) != ids->rend();
    if (warn) {
      warn(absl::StrCat(
          "skipping checkpoint ", *it, ": ", checkpoint.status().message(),
          older ? absl::StrCat("; falling back to checkpoint ", *std::next(it))
                : "; no older checkpoint is left"));
    }
  }
  return absl::NotFoundError(absl::StrCat("no complete checkpoint in ", dir_));
}

absl::StatusOr<CompletedCheckpoint> CheckpointStorage::Load(int64_t id) const {
  return CompletedCheckpoint::Load(PathOf(id));
}

}  // namespace sluice
