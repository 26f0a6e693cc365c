// The process-wide table of open dead-letter files; see dead_letter_file.h.
#include "sluice/io/records/dead_letter_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// Open files by (device, inode). Entries are weak: a file lives while a reader holds
// it, and the next job to name it after that starts it afresh.
struct OpenFiles {
  std::mutex mutex;
  std::map<std::pair<dev_t, ino_t>, std::weak_ptr<DeadLetterFile>> files;
};

OpenFiles& Table() {
  static OpenFiles* table = new OpenFiles();
  return *table;
}

}  // namespace

absl::StatusOr<std::shared_ptr<DeadLetterFile>> DeadLetterFile::Attach(
    const std::string& path) {
  // Opened without O_TRUNC: whether to empty it depends on whether it is open here.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot create dead-letter file '", path, "'"));
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot examine dead-letter file '", path, "'"));
  }
  OpenFiles& table = Table();
  std::lock_guard<std::mutex> lock(table.mutex);
  const auto key = std::make_pair(info.st_dev, info.st_ino);
  if (std::shared_ptr<DeadLetterFile> open = table.files[key].lock()) {
    std::lock_guard<std::mutex> file_lock(open->mutex_);
    // A file its last reader closed is done with, even if still referenced.
    if (open->file_ != nullptr) {
      ::close(fd);
      ++open->attached_;
      return open;
    }
  }
  if (S_ISREG(info.st_mode) && ::ftruncate(fd, 0) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot empty dead-letter file '", path, "'"));
  }
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    const int error = errno;
    ::close(fd);
    return absl::ErrnoToStatus(error,
                               absl::StrCat("cannot open dead-letter file '", path, "'"));
  }
  std::shared_ptr<DeadLetterFile> created(
      new DeadLetterFile(path, file, info.st_dev, info.st_ino));
  table.files[key] = created;
  return created;
}

DeadLetterFile::~DeadLetterFile() {
  if (file_ != nullptr) std::fclose(file_);
  OpenFiles& table = Table();
  std::lock_guard<std::mutex> lock(table.mutex);
  auto it = table.files.find({device_, inode_});
  // A later Attach may have replaced the expired entry with a new file already.
  if (it != table.files.end() && it->second.expired()) table.files.erase(it);
}

absl::Status DeadLetterFile::Append(std::string_view lines) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("dead-letter file '", path_, "' is closed"));
  }
  if (std::fwrite(lines.data(), 1, lines.size(), file_) != lines.size()) {
    return WriteError(errno);
  }
  return absl::OkStatus();
}

absl::Status DeadLetterFile::Detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_ == nullptr) return absl::OkStatus();
  if (--attached_ > 0) {
    // Another reader still writes; flush so what this one found is on disk already.
    return std::fflush(file_) == 0 ? absl::OkStatus() : WriteError(errno);
  }
  bool failed = std::ferror(file_) != 0;
  failed |= std::fclose(file_) != 0;
  const int error = errno;
  file_ = nullptr;
  return failed ? WriteError(error) : absl::OkStatus();
}

absl::Status DeadLetterFile::WriteError(int error) const {
  return absl::ErrnoToStatus(error,
                             absl::StrCat("cannot write dead-letter file '", path_, "'"));
}

}  // namespace sluice
