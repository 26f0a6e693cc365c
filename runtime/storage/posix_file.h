// A file descriptor with positioned reads and writes and fsync, whose errors name the
// file (the event log's segments, checkpoint files), and the durable-write steps
// built on it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice {

// Not thread-safe for writes; concurrent PRead calls are fine.
class PosixFile {
 public:
  enum class Mode { kReadOnly, kReadWrite, kCreateNew, kCreateOrOpen };

  PosixFile() = default;
  ~PosixFile();
  PosixFile(PosixFile&& other) noexcept;
  PosixFile& operator=(PosixFile&& other) noexcept;
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  // kCreateNew fails if the file exists.
  static absl::StatusOr<PosixFile> Open(std::string path, Mode mode);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  absl::StatusOr<uint64_t> Size() const;
  // Reads up to `length` bytes at `position` into `out`; `*read` is the count, less
  // than `length` only at the end of the file.
  absl::Status PRead(uint64_t position, size_t length, char* out, size_t* read) const;
  // Writes all of `pieces`, one after the other, at `position`.
  absl::Status PWrite(uint64_t position, std::span<const std::string_view> pieces);
  absl::Status PWrite(uint64_t position, std::string_view bytes) {
    return PWrite(position, std::span<const std::string_view>(&bytes, 1));
  }
  absl::Status Truncate(uint64_t size);
  // Reserves disk blocks for [offset, offset + length) without changing the file's
  // size (fallocate with FALLOC_FL_KEEP_SIZE). Unimplemented where the file system
  // cannot.
  absl::Status Preallocate(uint64_t offset, uint64_t length);
  absl::Status DataSync();
  // flock(LOCK_EX | LOCK_NB): FailedPrecondition if another open file holds it.
  absl::Status TryLockExclusive();
  absl::Status Close();

 private:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  absl::Status Error(std::string_view what, int error_number) const;

  int fd_ = -1;
  std::string path_;
};

// fsyncs a directory, so that files created, renamed or removed in it stay so.
absl::Status SyncDirectory(const std::string& path);

// Writes `bytes` to `path` (in directory `dir`) through a temporary file, fsync,
// rename and a directory fsync: afterwards the file is there whole, and after a crash
// at any point it is either whole or absent (a stale `<path>.tmp` may remain). The
// crash points between the steps (runtime/storage/crash_point.h) are named
// `<crash_points>.before_fsync`, `.before_rename` and `.before_directory_fsync`.
absl::Status WriteFileAtomically(const std::string& dir, const std::string& path,
                                 std::string_view bytes,
                                 std::string_view crash_points = "atomic_write");

// The whole file; DataLoss if it is larger than `max_bytes` (damage, not data).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes);

}  // namespace sluice
