#include "sluice/runtime/checkpoint/checkpoint_writer.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/storage/crash_point.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {

CheckpointWriter::CheckpointWriter(std::string dir, int64_t id, bool savepoint,
                                   std::function<absl::Status(bool)> on_finish)
    : dir_(std::move(dir)), on_finish_(std::move(on_finish)) {
  manifest_.checkpoint_id = id;
  manifest_.savepoint = savepoint;
}

CheckpointWriter::~CheckpointWriter() {
  if (!committed_) Abort();
}

absl::Status CheckpointWriter::Put(std::string name, std::string_view bytes) {
  return PutAll({{std::move(name), std::string(bytes)}});
}

absl::Status CheckpointWriter::PutAll(
    const std::vector<std::pair<std::string, std::string>>& blobs) {
  if (blobs.empty()) return absl::OkStatus();
  std::string file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (committed_ || aborted_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint ", id(), " is already ", committed_ ? "committed" : "aborted"));
    }
    for (size_t i = 0; i < blobs.size(); ++i) {
      if (!names_.insert(blobs[i].first).second) {
        for (size_t j = 0; j < i; ++j) names_.erase(blobs[j].first);
        return absl::AlreadyExistsError(absl::StrCat(
            "checkpoint ", id(), " already has state named '", blobs[i].first, "'"));
      }
    }
    file = absl::StrCat(next_file_++, ".state");
    ++in_flight_;
  }
  // The file is written outside the lock: tasks snapshot in parallel. Its blobs join
  // the manifest only once it is written and synced.
  std::vector<CheckpointManifest::Blob> listed;
  uint64_t at = 0;
  for (const auto& [name, blob] : blobs) {
    listed.push_back({name, file, blob.size(), Crc32c(blob), at});
    at += blob.size();
  }
  absl::Status written = WriteStateFile(absl::StrCat(dir_, "/", file), blobs);
  std::lock_guard<std::mutex> lock(mutex_);
  if (written.ok()) {
    for (auto& blob : listed) manifest_.blobs.push_back(std::move(blob));
  } else if (first_error_.ok()) {
    first_error_ = written;
  }
  if (--in_flight_ == 0) idle_.notify_all();
  return written;
}

// The blobs back to back, written in place (a task's state can be hundreds of MB:
// no copy into one buffer first).
absl::Status CheckpointWriter::WriteStateFile(
    const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& blobs) {
  auto out = PosixFile::Open(path, PosixFile::Mode::kCreateNew);
  if (!out.ok()) return out.status();
  uint64_t at = 0;
  for (const auto& blob : blobs) {
    if (absl::Status s = out->PWrite(at, blob.second); !s.ok()) return s;
    at += blob.second.size();
  }
  if (absl::Status s = out->DataSync(); !s.ok()) return s;
  return out->Close();
}

absl::Status CheckpointWriter::Commit() {
  std::unique_lock<std::mutex> lock(mutex_);
  // A Put still writing would be missing from the manifest, or listed unwritten.
  idle_.wait(lock, [this] { return in_flight_ == 0; });
  if (committed_ || aborted_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", id(), " is already ", committed_ ? "committed" : "aborted"));
  }
  if (!first_error_.ok()) {
    return absl::Status(first_error_.code(),
                        absl::StrCat("checkpoint ", id(),
                                     " cannot be committed: ", first_error_.message()));
  }
  manifest_.created_unix_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  // The state files were fsynced one by one; their names must reach the disk
  // before the manifest that lists them does.
  if (absl::Status s = SyncDirectory(dir_); !s.ok()) return s;
  CrashPoint("checkpoint.before_manifest");
  if (absl::Status s = WriteFileAtomically(dir_, dir_ + "/MANIFEST", manifest_.Encode());
      !s.ok()) {
    return s;
  }
  committed_ = true;
  lock.unlock();
  return on_finish_ ? on_finish_(/*committed=*/true) : absl::OkStatus();
}

void CheckpointWriter::Abort() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return in_flight_ == 0; });
  if (committed_ || aborted_) return;
  aborted_ = true;
  RemoveCheckpointDirectory(dir_);
  if (on_finish_) (void)on_finish_(/*committed=*/false);
}

void RemoveCheckpointDirectory(const std::string& dir) {
  // The MANIFEST first, durably: a crash halfway through must not leave a
  // directory that claims to be complete with some of its files gone.
  std::error_code error;
  std::filesystem::remove(dir + "/MANIFEST", error);
  (void)SyncDirectory(dir);
  std::filesystem::remove_all(dir, error);
}

}  // namespace sluice
