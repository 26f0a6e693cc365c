#include "sluice/runtime/checkpoint/checkpoint_storage.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sluice/runtime/checkpoint/checkpoint_completion_record.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "chk-";

std::string PathIn(const std::string& dir, int64_t id);
absl::StatusOr<std::vector<int64_t>> AllIdsIn(const std::string& dir);
absl::StatusOr<std::vector<int64_t>> CompletedIdsIn(const std::string& dir);

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
  fs::path parent = fs::path(dir).parent_path();
  if (absl::Status s = SyncDirectory(parent.empty() ? "." : parent.string()); !s.ok()) {
    return s;
  }
  auto shared = std::make_shared<Shared>();
  shared->dir = std::move(dir);
  shared->retain = retain;
  return std::unique_ptr<CheckpointStorage>(new CheckpointStorage(std::move(shared)));
}

std::string CheckpointStorage::PathOf(int64_t id) const { return PathIn(dir_, id); }

absl::StatusOr<std::vector<int64_t>> CheckpointStorage::CompletedIds() const {
  return CompletedIdsIn(dir_);
}

namespace {

std::string PathIn(const std::string& dir, int64_t id) {
  return absl::StrFormat("%s/%s%020d", dir, kPrefix, id);
}

// The ids of every chk-<id> directory, complete or not, ascending.
absl::StatusOr<std::vector<int64_t>> AllIdsIn(const std::string& dir) {
  std::vector<int64_t> ids;
  std::error_code error;
  fs::directory_iterator it(dir, error);
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
        absl::StrCat("cannot list checkpoint directory ", dir, ": ", error.message()));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::StatusOr<std::vector<int64_t>> CompletedIdsIn(const std::string& dir) {
  auto ids = AllIdsIn(dir);
  if (!ids.ok()) return ids.status();
  std::vector<int64_t> complete;
  for (int64_t id : *ids) {
    std::error_code error;
    if (fs::exists(PathIn(dir, id) + "/MANIFEST", error)) complete.push_back(id);
  }
  return complete;
}

}  // namespace

absl::StatusOr<int64_t> CheckpointStorage::HighestId() const {
  auto ids = AllIdsIn(dir_);
  if (!ids.ok()) return ids.status();
  int64_t highest = ids->empty() ? 0 : ids->back();
  // Numbering goes on after checkpoints whose directories were deleted; a damaged
  // record is reported by LoadLatest, not here.
  auto recorded = CheckpointCompletionRecord::Read(dir_);
  if (recorded.ok() && recorded->has_value()) highest = std::max(highest, **recorded);
  return highest;
}

absl::StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointStorage::Begin(int64_t id) {
  auto highest = HighestId();
  if (!highest.ok()) return highest.status();
  if (*highest >= id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", id, " is not newer than checkpoint ", *highest, " in ", dir_));
  }
  const std::string path = PathOf(id);
  if (absl::Status s = CreateFreshDirectory(path); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->open.insert(id);
  }
  std::shared_ptr<Shared> shared = shared_;
  return std::make_unique<CheckpointWriter>(
      path, id, /*savepoint=*/false, [shared, id](bool committed) {
        {
          std::lock_guard<std::mutex> lock(shared->mutex);
          shared->open.erase(id);
        }
        if (!committed) return absl::OkStatus();
        if (absl::Status s = RecordCompletion(*shared, id); !s.ok()) return s;
        Prune(*shared, id);
        return absl::OkStatus();
      });
}

absl::Status CheckpointStorage::RecordCompletion(Shared& shared, int64_t id) {
  // Only forward: a checkpoint committing after a newer one (possible only in tests,
  // as one is in flight at a time) does not become the latest.
  std::lock_guard<std::mutex> lock(shared.record_mutex);
  auto recorded = CheckpointCompletionRecord::Read(shared.dir);
  if (recorded.ok() && recorded->has_value() && **recorded >= id) {
    return absl::OkStatus();
  }
  absl::Status written = CheckpointCompletionRecord::Write(shared.dir, id);
  if (!written.ok()) {
    return absl::Status(written.code(),
                        absl::StrCat("checkpoint ", id, " is complete, but recording ",
                                     "that failed: ", written.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointStorage::BeginSavepoint(
    std::string dir, int64_t id) {
  if (absl::Status s = CreateFreshDirectory(dir); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("savepoint: ", s.message()));
  }
  return std::make_unique<CheckpointWriter>(std::move(dir), id, /*savepoint=*/true,
                                            nullptr);
}

void CheckpointStorage::Prune(Shared& shared, int64_t newest) {
  // Retention is best effort: whatever fails here, the next commit tries again.
  auto ids = AllIdsIn(shared.dir);
  auto complete = CompletedIdsIn(shared.dir);
  if (!ids.ok() || !complete.ok()) return;
  const size_t retain = static_cast<size_t>(shared.retain);
  // The oldest complete checkpoint to keep.
  const int64_t keep_from =
      complete->size() > retain ? (*complete)[complete->size() - retain] : INT64_MIN;
  std::set<int64_t> open;
  {
    std::lock_guard<std::mutex> lock(shared.mutex);
    open = shared.open;
  }
  for (int64_t id : *ids) {
    const bool is_complete = std::binary_search(complete->begin(), complete->end(), id);
    const bool too_old = is_complete && id < keep_from;
    const bool abandoned = !is_complete && id < newest && !open.contains(id);
    if (too_old || abandoned) RemoveCheckpointDirectory(PathIn(shared.dir, id));
  }
  (void)SyncDirectory(shared.dir);
}

namespace {

// The id the completion record in `dir` names (nullopt: none). A damaged record is
// described in `damage` and taken to mean that some checkpoint completed.
absl::StatusOr<std::optional<int64_t>> ReadRecord(const std::string& dir,
                                                  std::string* damage) {
  auto record = CheckpointCompletionRecord::Read(dir);
  if (!absl::IsDataLoss(record.status())) return record;
  *damage = std::string(record.status().message());
  return std::nullopt;
}

// Why checkpoint `id` has no MANIFEST, going by the id the completion record names.
std::string WhyNoManifest(int64_t id, std::optional<int64_t> recorded,
                          const std::string& record_path) {
  if (recorded && id == *recorded) {
    return absl::StrCat("no MANIFEST, though ", record_path,
                        " records it as complete: its MANIFEST was deleted");
  }
  if (recorded && id > *recorded) {
    return "no MANIFEST: the checkpoint did not complete (it was being taken when the "
           "job stopped)";
  }
  return "no MANIFEST: the checkpoint did not complete, or its MANIFEST was deleted";
}

}  // namespace

absl::StatusOr<CompletedCheckpoint> CheckpointStorage::LoadLatest(
    const CheckpointWarning& warn) const {
  auto ids = AllIdsIn(dir_);
  if (!ids.ok()) return ids.status();
  std::vector<std::string> skipped;  // "checkpoint <id> (<directory>): <why>"
  std::string record_damage;
  auto recorded = ReadRecord(dir_, &record_damage);
  if (!recorded.ok()) return recorded.status();
  if (!record_damage.empty()) {
    skipped.push_back(record_damage);
    if (warn) warn(absl::StrCat(record_damage, "; going on without it"));
  }
  // Whether a checkpoint is known to have completed here: then finding none to
  // restore is damage, not a first start.
  bool completed_before = recorded->has_value() || !record_damage.empty();
  if (*recorded && !std::binary_search(ids->begin(), ids->end(), **recorded)) {
    ids->insert(std::upper_bound(ids->begin(), ids->end(), **recorded), **recorded);
  }
  for (auto it = ids->rbegin(); it != ids->rend(); ++it) {
    bool had_manifest = false;
    auto checkpoint = LoadCandidate(*it, *recorded, &had_manifest);
    if (checkpoint.ok()) return checkpoint;
    // Only damage is skipped: an I/O or permission error, or a format this build
    // does not read, must not quietly restore an older state.
    if (!absl::IsDataLoss(checkpoint.status())) return checkpoint.status();
    completed_before = completed_before || had_manifest;
    const std::string why(checkpoint.status().message());
    skipped.push_back(absl::StrCat(
        "checkpoint ", *it, " (", fs::path(PathOf(*it)).filename().string(), "): ", why));
    if (!warn) continue;
    const bool unfinished = !had_manifest && *recorded && *it > **recorded;
    const bool older = std::next(it) != ids->rend();
    warn(
        absl::StrCat(unfinished ? "ignoring" : "skipping", " checkpoint ", *it, ": ", why,
                     older ? absl::StrCat("; falling back to checkpoint ", *std::next(it))
                           : "; no older checkpoint is left"));
  }
  if (completed_before) {
    return absl::DataLossError(absl::StrCat(
        "no checkpoint in ", dir_, " can be restored: ", absl::StrJoin(skipped, "; ")));
  }
  return absl::NotFoundError(absl::StrCat("no complete checkpoint in ", dir_));
}

absl::StatusOr<CompletedCheckpoint> CheckpointStorage::LoadCandidate(
    int64_t id, std::optional<int64_t> recorded, bool* had_manifest) const {
  const std::string path = PathOf(id);
  const std::string record = CheckpointCompletionRecord::PathIn(dir_);
  std::error_code error;
  const bool exists = fs::exists(path, error);
  if (!error) *had_manifest = exists && fs::exists(path + "/MANIFEST", error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot look into checkpoint ", path, ": ", error.message()));
  }
  if (!exists) {  // only the recorded one is looked for without a directory
    return absl::DataLossError(absl::StrCat(path, " is missing, though ", record,
                                            " records it as complete: it was deleted"));
  }
  if (!*had_manifest) {
    return absl::DataLossError(
        absl::StrCat(path, " has ", WhyNoManifest(id, recorded, record)));
  }
  return Load(id);
}

absl::StatusOr<CompletedCheckpoint> CheckpointStorage::Load(int64_t id) const {
  auto checkpoint = CompletedCheckpoint::Load(PathOf(id));
  if (checkpoint.ok() && checkpoint->id() != id) {
    return absl::DataLossError(absl::StrCat(PathOf(id), " holds checkpoint ",
                                            checkpoint->id(), " by its MANIFEST"));
  }
  return checkpoint;
}

}  // namespace sluice
