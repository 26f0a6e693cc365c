#include "sluice/runtime/storage/posix_file.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/storage/crash_point.h"

namespace sluice {
namespace {

absl::Status ErrnoStatus(std::string_view what, const std::string& path,
                         int error_number) {
  std::string message =
      absl::StrCat(absl::string_view(what.data(), what.size()), " ", path, ": ",
                   std::system_category().message(error_number));
  switch (error_number) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

PosixFile::~PosixFile() {
  if (fd_ >= 0) ::close(fd_);
}

PosixFile::PosixFile(PosixFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

PosixFile& PosixFile::operator=(PosixFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

absl::StatusOr<PosixFile> PosixFile::Open(std::string path, Mode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case Mode::kReadOnly:
      flags |= O_RDONLY;
      break;
    case Mode::kReadWrite:
      flags |= O_RDWR;
      break;
    case Mode::kCreateNew:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
    case Mode::kCreateOrOpen:
      flags |= O_RDWR | O_CREAT;
      break;
  }
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  return PosixFile(fd, std::move(path));
}

absl::Status PosixFile::Error(std::string_view what, int error_number) const {
  return ErrnoStatus(what, path_, error_number);
}

absl::StatusOr<uint64_t> PosixFile::Size() const {
  struct stat info;
  if (::fstat(fd_, &info) != 0) return Error("cannot stat", errno);
  return static_cast<uint64_t>(info.st_size);
}

absl::Status PosixFile::PRead(uint64_t position, size_t length, char* out,
                              size_t* read) const {
  size_t done = 0;
  while (done < length) {
    ssize_t n =
        ::pread(fd_, out + done, length - done, static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(absl::StrCat("cannot read at position ", position + done, " of"),
                   errno);
    }
    if (n == 0) break;  // end of file
    done += static_cast<size_t>(n);
  }
  *read = done;
  return absl::OkStatus();
}

absl::Status PosixFile::PWrite(uint64_t position,
                               std::span<const std::string_view> pieces) {
  constexpr size_t kMaxPieces = 8;
  if (pieces.size() > kMaxPieces) {
    for (size_t i = 0; i < pieces.size(); i += kMaxPieces) {
      auto part = pieces.subspan(i, std::min(kMaxPieces, pieces.size() - i));
      if (absl::Status s = PWrite(position, part); !s.ok()) return s;
      for (std::string_view piece : part) position += piece.size();
    }
    return absl::OkStatus();
  }
  iovec parts[kMaxPieces];
  int count = 0;
  for (std::string_view piece : pieces) {
    if (!piece.empty()) parts[count++] = {const_cast<char*>(piece.data()), piece.size()};
  }
  iovec* next = parts;
  while (count > 0) {
    ssize_t n = ::pwritev(fd_, next, count, static_cast<off_t>(position));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(absl::StrCat("cannot write at position ", position, " of"), errno);
    }
    position += static_cast<uint64_t>(n);
    // Skip what was written: whole pieces, then part of one.
    for (size_t left = static_cast<size_t>(n); left > 0;) {
      size_t used = std::min(left, next->iov_len);
      next->iov_base = static_cast<char*>(next->iov_base) + used;
      next->iov_len -= used;
      left -= used;
      if (next->iov_len == 0) {
        ++next;
        --count;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status PosixFile::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return Error(absl::StrCat("cannot truncate to ", size, " bytes"), errno);
  }
  return absl::OkStatus();
}

absl::Status PosixFile::Preallocate(uint64_t offset, uint64_t length) {
  if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(length)) != 0) {
    if (errno == EOPNOTSUPP) return absl::UnimplementedError("fallocate unsupported");
    return Error("cannot preallocate", errno);
  }
  return absl::OkStatus();
}

absl::Status PosixFile::DataSync() {
  if (::fdatasync(fd_) != 0) return Error("cannot fsync", errno);
  return absl::OkStatus();
}

absl::Status PosixFile::TryLockExclusive() {
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(path_, " is locked"));
    }
    return Error("cannot lock", errno);
  }
  return absl::OkStatus();
}

absl::Status PosixFile::Close() {
  if (fd_ < 0) return absl::OkStatus();
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return Error("cannot close", errno);
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open directory", path, errno);
  int result = ::fsync(fd);
  int error_number = errno;
  ::close(fd);
  if (result != 0) return ErrnoStatus("cannot fsync directory", path, error_number);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& dir, const std::string& path,
                                 std::string_view bytes, std::string_view crash_points) {
  auto crash_point = [crash_points](const char* step) {
    CrashPoint(
        absl::StrCat(absl::string_view(crash_points.data(), crash_points.size()), step)
            .c_str());
  };
  const std::string temporary = path + ".tmp";
  std::remove(temporary.c_str());  // left by an earlier crash
  auto file = PosixFile::Open(temporary, PosixFile::Mode::kCreateNew);
  if (!file.ok()) return file.status();
  if (absl::Status s = file->PWrite(0, bytes); !s.ok()) return s;
  crash_point(".before_fsync");
  if (absl::Status s = file->DataSync(); !s.ok()) return s;
  if (absl::Status s = file->Close(); !s.ok()) return s;
  crash_point(".before_rename");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return ErrnoStatus(absl::StrCat("cannot rename ", temporary, " to"), path, errno);
  }
  crash_point(".before_directory_fsync");
  return SyncDirectory(dir);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  auto file = PosixFile::Open(path, PosixFile::Mode::kReadOnly);
  if (!file.ok()) return file.status();
  auto size = file->Size();
  if (!size.ok()) return size.status();
  if (*size > max_bytes) {
    return absl::DataLossError(absl::StrCat(
        path, " is ", *size, " bytes, more than such a file can be (", max_bytes, ")"));
  }
  std::string bytes(*size, '\0');
  size_t read = 0;
  if (absl::Status s = file->PRead(0, bytes.size(), bytes.data(), &read); !s.ok()) {
    return s;
  }
  bytes.resize(read);
  return bytes;
}

}  // namespace sluice
