// Input file discovery (stat, directory listing, glob) and balanced assignment.
#include "io/input_file_set.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <numeric>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

bool IsGlobPattern(const std::string& location) {
  return location.find_first_of("*?[") != std::string::npos;
}

absl::StatusOr<std::vector<InputFile>> ListDirectory(const std::string& directory) {
  std::vector<InputFile> files;
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    struct stat info;
    // stat, not lstat: a symbolic link to a regular file is read like one.
    if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    files.push_back({it->path().string(), static_cast<uint64_t>(info.st_size)});
  }
  if (error) {
    return absl::Status(
        absl::ErrnoToStatusCode(error.value()),
        absl::StrCat("cannot list directory '", directory, "': ", error.message()));
  }
  return files;
}

absl::StatusOr<std::vector<InputFile>> ExpandGlob(const std::string& pattern) {
  glob_t matches;
  int result = ::glob(pattern.c_str(), 0, nullptr, &matches);
  if (result == GLOB_NOMATCH) {
    globfree(&matches);
    return absl::NotFoundError(absl::StrCat("no file matches '", pattern, "'"));
  }
  if (result != 0) {
    globfree(&matches);
    return absl::UnknownError(absl::StrCat("cannot expand pattern '", pattern, "'"));
  }
  std::vector<InputFile> files;
  for (size_t i = 0; i < matches.gl_pathc; ++i) {
    struct stat info;
    if (::stat(matches.gl_pathv[i], &info) != 0 || !S_ISREG(info.st_mode)) continue;
    files.push_back({matches.gl_pathv[i], static_cast<uint64_t>(info.st_size)});
  }
  globfree(&matches);
  if (files.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no regular file matches '", pattern, "' (only directories)"));
  }
  return files;
}

}  // namespace

absl::StatusOr<InputFileSet> InputFileSet::Resolve(const std::string& location) {
  if (location.empty()) return absl::InvalidArgumentError("the input path is empty");
  std::vector<InputFile> files;
  struct stat info;
  if (::stat(location.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      absl::StatusOr<std::vector<InputFile>> listed = ListDirectory(location);
      if (!listed.ok()) return listed.status();
      files = *std::move(listed);
    } else {
      // Not only regular files: a named pipe or /dev/stdin is a fine single input.
      files.push_back(
          {location, S_ISREG(info.st_mode) ? static_cast<uint64_t>(info.st_size) : 0});
    }
  } else if (errno == ENOENT && IsGlobPattern(location)) {
    absl::StatusOr<std::vector<InputFile>> matched = ExpandGlob(location);
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
  return InputFileSet(std::move(files));
}

std::vector<InputFile> InputFileSet::ShareOf(int instance, int parallelism) const {
  if (parallelism <= 1) return files_;
  std::vector<size_t> order(files_.size());
  std::iota(order.begin(), order.end(), 0);
  // Ties broken by path (the index) so every reader sees the same order.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return files_[a].size > files_[b].size; });
  // Load is (bytes, files): the file count spreads empty or tiny files too.
  std::vector<std::pair<uint64_t, size_t>> load(parallelism);
  std::vector<bool> mine(files_.size(), false);
  for (size_t index : order) {
    auto lightest = std::min_element(load.begin(), load.end());
    lightest->first += files_[index].size;
    ++lightest->second;
    mine[index] = lightest - load.begin() == instance;
  }
  std::vector<InputFile> share;
  for (size_t i = 0; i < files_.size(); ++i) {
    if (mine[i]) share.push_back(files_[i]);
  }
  return share;
}

}  // namespace sluice
