// Input file discovery (stat, directory listing, glob) and balanced assignment.
#include "sluice/io/file/input_file_set.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/io/file/path_pattern.h"

namespace sluice {
namespace {

const char* FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

InputFile FileOf(std::string path, const struct stat& info) {
  InputFile file;
  file.path = std::move(path);
  file.regular = S_ISREG(info.st_mode);
  file.size = file.regular ? static_cast<uint64_t>(info.st_size) : 0;
  file.device = info.st_dev;
  file.inode = info.st_ino;
  return file;
}

// An entry found by listing a directory or expanding a pattern: a regular file (or a
// link to one) is input, a directory is skipped (nullopt), anything else is an error,
// because input that silently drops out of a job is data lost.
absl::StatusOr<std::optional<InputFile>> ExamineEntry(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    struct stat link;
    if (::lstat(path.c_str(), &link) != 0 && errno == ENOENT) {
      return std::nullopt;  // removed since it was listed: it is not input any more
    }
    if (error == ENOENT && S_ISLNK(link.st_mode)) {
      return absl::NotFoundError(absl::StrCat(
          "input '", path, "' is a dangling symbolic link (its target does not exist)"));
    }
    return absl::ErrnoToStatus(error, absl::StrCat("cannot examine input '", path, "'"));
  }
  if (S_ISDIR(info.st_mode)) return std::nullopt;
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("input '", path, "' is ", FileTypeName(info.st_mode),
                     ", not a regular file; name it as the location to read it"));
  }
  return FileOf(path, info);
}

absl::StatusOr<std::vector<InputFile>> ListDirectory(const std::string& directory) {
  std::vector<InputFile> files;
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    absl::StatusOr<std::optional<InputFile>> entry = ExamineEntry(it->path().string());
    if (!entry.ok()) return entry.status();
    if (entry->has_value()) files.push_back(**std::move(entry));
  }
  if (error) {
    return absl::Status(
        absl::ErrnoToStatusCode(error.value()),
        absl::StrCat("cannot list directory '", directory, "': ", error.message()));
  }
  return files;
}

absl::StatusOr<std::vector<InputFile>> ExpandPattern(const std::string& pattern) {
  absl::StatusOr<std::vector<std::string>> matches = PathPattern::Expand(pattern);
  if (!matches.ok()) return matches.status();
  if (matches->empty()) {
    return absl::NotFoundError(absl::StrCat("no file matches '", pattern, "'"));
  }
  std::vector<InputFile> files;
  for (const std::string& path : *matches) {
    absl::StatusOr<std::optional<InputFile>> entry = ExamineEntry(path);
    if (!entry.ok()) return entry.status();
    if (entry->has_value()) files.push_back(**std::move(entry));
  }
  if (files.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no regular file matches '", pattern, "' (only directories)"));
  }
  return files;
}

std::optional<std::pair<dev_t, ino_t>> IdentityOf(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return std::make_pair(info.st_dev, info.st_ino);
}

std::string AbsoluteNormal(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return (error ? std::filesystem::path(path) : absolute).lexically_normal().string();
}

}  // namespace

absl::StatusOr<InputFileSet> InputFileSet::Resolve(const std::string& location) {
  if (location.empty()) return absl::InvalidArgumentError("the input path is empty");
  std::vector<InputFile> files;
  Kind kind = Kind::kFile;
  struct stat info;
  if (::stat(location.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      kind = Kind::kDirectory;
      absl::StatusOr<std::vector<InputFile>> listed = ListDirectory(location);
      if (!listed.ok()) return listed.status();
      files = *std::move(listed);
    } else {
      // Not only regular files: a named pipe or /dev/stdin is a fine single input.
      files.push_back(FileOf(location, info));
    }
  } else if (errno == ENOENT && PathPattern::IsPattern(location)) {
    kind = Kind::kPattern;
    absl::StatusOr<std::vector<InputFile>> matched = ExpandPattern(location);
    if (!matched.ok()) return matched.status();
    files = *std::move(matched);
  } else if (errno == ENOENT || errno == ENOTDIR) {
    return absl::NotFoundError(absl::StrCat("input '", location, "' does not exist"));
  } else {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot access input '", location, "'"));
  }
  std::sort(files.begin(), files.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  for (size_t i = 0; i < files.size(); ++i) files[i].index = static_cast<int32_t>(i);
  return InputFileSet(location, kind, std::move(files));
}

bool InputFileSet::Covers(const std::string& path) const {
  if (auto identity = IdentityOf(path)) {
    for (const InputFile& file : files_) {
      if (file.device == identity->first && file.inode == identity->second) return true;
    }
  }
  switch (kind_) {
    case Kind::kFile:
      return AbsoluteNormal(path) == AbsoluteNormal(location_);
    case Kind::kDirectory: {
      std::string parent = std::filesystem::path(AbsoluteNormal(path)).parent_path();
      auto parent_identity = IdentityOf(parent);
      return parent_identity && parent_identity == IdentityOf(location_);
    }
    case Kind::kPattern:
      for (const std::string& form : {path, AbsoluteNormal(path)}) {
        if (::fnmatch(location_.c_str(), form.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) {
          return true;
        }
      }
      return false;
  }
  return false;
}

namespace {

// Cuts each regular file larger than a reader's fair share into equal byte ranges
// of about that share (at least `min_range_bytes` each).
std::vector<InputFile> CutIntoRanges(const std::vector<InputFile>& files, int parallelism,
                                     const FileSplitting& splitting) {
  uint64_t total = 0;
  for (const InputFile& file : files) total += file.size;
  const uint64_t fair = std::max<uint64_t>(
      1, (total + static_cast<uint64_t>(parallelism) - 1) / parallelism);
  std::vector<InputFile> pieces;
  for (const InputFile& file : files) {
    const uint64_t by_share = (file.size + fair - 1) / fair;
    const uint64_t by_minimum =
        file.size / std::max<uint64_t>(1, splitting.min_range_bytes);
    const uint64_t count =
        std::min({by_share, by_minimum, static_cast<uint64_t>(parallelism)});
    if (!file.regular || count < 2) {
      pieces.push_back(file);
      continue;
    }
    for (uint64_t k = 0; k < count; ++k) {
      InputFile piece = file;
      piece.begin = file.size * k / count;
      piece.end = k + 1 == count ? std::numeric_limits<uint64_t>::max()
                                 : file.size * (k + 1) / count;
      piece.size = (k + 1 == count ? file.size : piece.end) - piece.begin;
      pieces.push_back(std::move(piece));
    }
  }
  return pieces;
}

}  // namespace

std::vector<InputFile> InputFileSet::ShareOf(int instance, int parallelism,
                                             FileSplitting splitting) const {
  if (parallelism <= 1) return files_;
  const std::vector<InputFile> pieces =
      splitting.enabled ? CutIntoRanges(files_, parallelism, splitting) : files_;
  std::vector<size_t> order(pieces.size());
  std::iota(order.begin(), order.end(), 0);
  // Ties broken by path and range (the order of `pieces`) so every reader sees the
  // same order.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pieces[a].size > pieces[b].size; });
  // Load is (bytes, pieces): the piece count spreads empty or tiny files too.
  std::vector<std::pair<uint64_t, size_t>> load(parallelism);
  std::vector<bool> mine(pieces.size(), false);
  for (size_t index : order) {
    auto lightest = std::min_element(load.begin(), load.end());
    lightest->first += pieces[index].size;
    ++lightest->second;
    mine[index] = lightest - load.begin() == instance;
  }
  std::vector<InputFile> share;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (mine[i]) share.push_back(pieces[i]);
  }
  return share;
}

}  // namespace sluice
