#include "sluice/io/file/transactional_file_writer.h"

#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sluice/runtime/storage/crash_point.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

constexpr char kInProgress[] = ".inprogress";
constexpr char kPending[] = ".pending";

// Never replaces `to`: committed files are never written again.
absl::Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      return absl::FailedPreconditionError(absl::StrCat("cannot commit ", from, ": ", to,
                                                        " exists and is never replaced"));
    }
    return absl::InternalError(absl::StrCat("cannot rename ", from, " to ", to, ": ",
                                            std::system_category().message(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

std::string TransactionalFileWriter::FinalName(int64_t seq) const {
  return absl::StrCat("part-", options_.instance, "-", seq, ".", options_.extension);
}

absl::Status TransactionalFileWriter::Open(Options options, const State* restored,
                                           std::function<void(std::string_view)> warn) {
  options_ = std::move(options);
  warn_ = warn ? std::move(warn) : [](std::string_view) {};
  std::error_code error;
  fs::create_directories(options_.dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create sink directory ", options_.dir,
                                            ": ", error.message()));
  }
  // One writer per instance and directory: a second job writing here would remove
  // this one's uncommitted files as leftovers.
  auto lock = PosixFile::Open(absl::StrCat(options_.dir, "/.lock-", options_.instance),
                              PosixFile::Mode::kCreateOrOpen);
  if (!lock.ok()) return lock.status();
  lock_ = std::move(*lock);
  if (absl::Status s = lock_.TryLockExclusive(); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("sink directory ", options_.dir,
                     " is being written by another job (", s.message(), ")"));
  }
  return Recover(restored);
}

// Commits the restored checkpoint's pending files, removes this instance's other
// uncommitted ones, and numbers new files after every existing one.
absl::Status TransactionalFileWriter::Recover(const State* restored) {
  auto highest = RecoverInstance(options_.instance, restored);
  if (!highest.ok()) return highest.status();
  next_seq_ = *highest + 1;
  return SyncDirectory(options_.dir);
}

absl::Status TransactionalFileWriter::AdoptInstance(int instance, const State& state) {
  auto highest = RecoverInstance(instance, &state);
  if (!highest.ok()) return highest.status();
  return SyncDirectory(options_.dir);
}

absl::Status TransactionalFileWriter::RemoveOrphans(int parallelism) {
  std::vector<fs::path> orphans;
  std::error_code error;
  fs::directory_iterator it(options_.dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    const bool uncommitted = name.ends_with(kInProgress) || name.ends_with(kPending);
    if (!uncommitted || !name.starts_with(".part-")) continue;
    int instance = -1;
    std::from_chars(name.data() + 6, name.data() + name.size(), instance);
    if (instance >= parallelism && instance % parallelism == options_.instance) {
      orphans.push_back(it->path());
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list sink directory ", options_.dir, ": ", error.message()));
  }
  // An instance whose lock is held is still writing (a process of the previous run
  // that has not exited yet): its files are left alone.
  absl::flat_hash_map<int, bool> writing;
  for (const fs::path& orphan : orphans) {
    std::string name = orphan.filename().string();
    int instance = -1;
    std::from_chars(name.data() + 6, name.data() + name.size(), instance);
    auto [it, added] = writing.try_emplace(instance, false);
    if (added) {
      auto lock = PosixFile::Open(absl::StrCat(options_.dir, "/.lock-", instance),
                                  PosixFile::Mode::kCreateOrOpen);
      it->second = !lock.ok() || !lock->TryLockExclusive().ok();
    }
    if (it->second) {
      warn_(absl::StrCat("sink ", options_.dir, ": left ", orphan.string(),
                         ": its instance's lock is held by another writer"));
      continue;
    }
    std::error_code removed;
    if (!fs::remove(orphan, removed) && removed) {
      return absl::InternalError(
          absl::StrCat("cannot remove ", orphan.string(), ": ", removed.message()));
    }
    warn_(absl::StrCat("sink ", options_.dir, ": removed uncommitted ", orphan.string(),
                       " of an instance this run does not have (its data is written "
                       "again from the restored position)"));
  }
  return orphans.empty() ? absl::OkStatus() : SyncDirectory(options_.dir);
}

absl::StatusOr<int64_t> TransactionalFileWriter::RecoverInstance(int instance,
                                                                 const State* restored) {
  const std::string mine = absl::StrCat("part-", instance, "-");
  if (restored != nullptr) {
    for (const std::string& name : restored->pending) {
      if (absl::Status s = CommitFile(name); !s.ok()) return s;
    }
  }
  int64_t highest = restored != nullptr ? restored->next_seq - 1 : -1;
  std::error_code error;
  fs::directory_iterator it(options_.dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    const bool uncommitted = name.ends_with(kInProgress) || name.ends_with(kPending);
    if (uncommitted) name = name.substr(1, name.rfind('.') - 1);  // the final name
    if (!name.starts_with(mine)) continue;
    int64_t seq = -1;
    const char* digits = name.data() + mine.size();
    std::from_chars(digits, name.data() + name.size(), seq);
    if (uncommitted) {
      std::error_code removed;
      if (!fs::remove(it->path(), removed) && removed) {
        return absl::InternalError(
            absl::StrCat("cannot remove ", it->path().string(), ": ", removed.message()));
      }
      warn_(absl::StrCat("sink ", options_.dir, ": removed uncommitted ",
                         it->path().string(),
                         " (its data is written again from the restored position)"));
      continue;
    }
    if (restored != nullptr && seq >= restored->next_seq) {
      warn_(absl::StrCat("sink ", options_.dir, ": ", name,
                         " was committed after the checkpoint restored from; its records "
                         "will be written again"));
    }
    highest = std::max(highest, seq);
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list sink directory ", options_.dir, ": ", error.message()));
  }
  return highest;
}

absl::Status TransactionalFileWriter::CommitFile(const std::string& name) {
  const std::string pending = Path(absl::StrCat(".", name, kPending));
  std::error_code error;
  if (fs::exists(pending, error)) {
    if (fs::exists(Path(name), error)) {
      return absl::FailedPreconditionError(absl::StrCat("sink: cannot commit ", pending,
                                                        ": ", Path(name),
                                                        " exists and is never replaced"));
    }
    if (absl::Status s = RenameNoReplace(pending, Path(name)); !s.ok()) return s;
    ++committed_;
    return absl::OkStatus();
  }
  if (fs::exists(Path(name), error)) return absl::OkStatus();  // committed before a crash
  return absl::DataLossError(absl::StrCat(
      "sink: ", pending, ", pending in the restored checkpoint, is missing"));
}

absl::StatusOr<std::string> TransactionalFileWriter::DescribeCommitted(
    const std::string& dir) {
  std::vector<std::string> committed;
  std::error_code error;
  fs::directory_iterator it(dir, error);
  if (error == std::errc::no_such_file_or_directory) return std::string();
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("part-")) committed.push_back(std::move(name));
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list sink directory ", dir, ": ", error.message()));
  }
  if (committed.empty()) return std::string();
  std::sort(committed.begin(), committed.end());
  const size_t shown = std::min<size_t>(committed.size(), 3);
  return absl::StrCat("sink directory ", dir, " holds ", committed.size(),
                      " committed file", committed.size() == 1 ? "" : "s", " (",
                      absl::StrJoin(committed.begin(), committed.begin() + shown, ", "),
                      committed.size() > shown ? ", ..." : "", ")");
}

absl::Status TransactionalFileWriter::StartFile() {
  std::error_code error;
  while (fs::exists(Path(FinalName(next_seq_)), error)) ++next_seq_;  // never replace
  current_name_ = FinalName(next_seq_++);
  auto file = PosixFile::Open(Path(absl::StrCat(".", current_name_, kInProgress)),
                              PosixFile::Mode::kCreateNew);
  if (!file.ok()) return file.status();
  current_ = std::move(*file);
  current_bytes_ = 0;
  current_opened_ = Clock::now();
  if (absl::Status s = current_.PWrite(0, options_.header); !s.ok()) return s;
  current_bytes_ = options_.header.size();
  return absl::OkStatus();
}

absl::Status TransactionalFileWriter::Write(std::string_view text) {
  if (text.empty()) return absl::OkStatus();
  const bool due =
      current_.is_open() && (current_bytes_ >= options_.roll_bytes ||
                             (options_.roll_interval.has_value() &&
                              Clock::now() - current_opened_ >= *options_.roll_interval));
  if (due) {
    if (absl::Status s = CloseCurrent(); !s.ok()) return s;
  }
  if (!current_.is_open()) {
    if (absl::Status s = StartFile(); !s.ok()) return s;
  }
  if (absl::Status s = current_.PWrite(current_bytes_, text); !s.ok()) return s;
  current_bytes_ += text.size();
  return absl::OkStatus();
}

absl::Status TransactionalFileWriter::CloseCurrent() {
  if (!current_.is_open()) return absl::OkStatus();
  CrashPoint("sink.before_precommit_fsync");
  if (absl::Status s = current_.DataSync(); !s.ok()) return s;
  if (absl::Status s = current_.Close(); !s.ok()) return s;
  if (absl::Status s =
          RenameNoReplace(Path(absl::StrCat(".", current_name_, kInProgress)),
                          Path(absl::StrCat(".", current_name_, kPending)));
      !s.ok()) {
    return s;
  }
  pending_.push_back(Pending{current_name_, -1});
  current_name_.clear();
  return absl::OkStatus();
}

absl::StatusOr<TransactionalFileWriter::State> TransactionalFileWriter::PreCommit(
    int64_t checkpoint_id) {
  if (absl::Status s = CloseCurrent(); !s.ok()) return s;
  // The renames to pending must be durable before the checkpoint that lists them.
  if (absl::Status s = SyncDirectory(options_.dir); !s.ok()) return s;
  State state;
  state.next_seq = next_seq_;
  for (Pending& file : pending_) {
    if (file.checkpoint < 0) file.checkpoint = checkpoint_id;
    state.pending.push_back(file.name);
  }
  return state;
}

absl::Status TransactionalFileWriter::Commit(int64_t checkpoint_id) {
  auto first_kept = std::stable_partition(
      pending_.begin(), pending_.end(), [checkpoint_id](const Pending& file) {
        return file.checkpoint >= 0 && file.checkpoint <= checkpoint_id;
      });
  for (auto it = pending_.begin(); it != first_kept; ++it) {
    if (absl::Status s = CommitFile(it->name); !s.ok()) return s;
    CrashPoint("sink.after_commit_rename");
  }
  pending_.erase(pending_.begin(), first_kept);
  CrashPoint("sink.before_commit_directory_fsync");
  return SyncDirectory(options_.dir);
}

absl::Status TransactionalFileWriter::Finish() {
  if (absl::Status s = PreCommit(INT64_MAX).status(); !s.ok()) return s;
  return Commit(INT64_MAX);
}

}  // namespace sluice
