// Pattern expansion by walking directories component by component; see path_pattern.h.
#include "sluice/io/file/path_pattern.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <cerrno>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sluice {
namespace {

bool HasMagic(std::string_view component) {
  return component.find_first_of("*?[\\") != std::string_view::npos;
}

std::string Join(const std::string& base, std::string_view name) {
  if (base.empty()) return std::string(name);
  if (base == "/") return absl::StrCat("/", std::string(name));
  return absl::StrCat(base, "/", std::string(name));
}

class Expansion {
 public:
  Expansion(std::vector<std::string> components, std::vector<std::string>* matches)
      : components_(std::move(components)), matches_(matches) {}

  // Matches components_[i..] under `base`, which exists and is a directory (or, when
  // i is past the end, is a match).
  absl::Status Walk(const std::string& base, size_t i) {
    if (i == components_.size()) {
      matches_->push_back(base);
      return absl::OkStatus();
    }
    const std::string& component = components_[i];
    if (!HasMagic(component)) return Step(Join(base, component), i + 1);
    const std::string directory = base.empty() ? "." : base;
    DIR* stream = ::opendir(directory.c_str());
    if (stream == nullptr) return CannotRead(directory, errno);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(stream)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (::fnmatch(component.c_str(), entry->d_name, FNM_PERIOD) == 0) {
        names.emplace_back(name);
      }
      errno = 0;
    }
    const int read_error = errno;
    ::closedir(stream);
    if (read_error != 0) return CannotRead(directory, read_error);
    for (const std::string& name : names) {
      absl::Status status = Step(Join(base, name), i + 1);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  // `path` names an entry; continue with components_[next..] if it can lead there.
  absl::Status Step(const std::string& path, size_t next) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) {
      const int error = errno;
      if (error == ENOENT || error == ENOTDIR) {
        // Missing, or a dangling link: not a match on the way, but the last
        // component's dangling link is the caller's to judge (it examines matches).
        struct stat link;
        if (next == components_.size() && ::lstat(path.c_str(), &link) == 0) {
          matches_->push_back(path);
        }
        return absl::OkStatus();
      }
      return absl::ErrnoToStatus(
          error, absl::StrCat("cannot examine '", path, "' to expand the pattern"));
    }
    if (next < components_.size() && !S_ISDIR(info.st_mode)) return absl::OkStatus();
    return Walk(path, next);
  }

  static absl::Status CannotRead(const std::string& path, int error) {
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot look into '", path, "' to expand the pattern"));
  }

  std::vector<std::string> components_;
  std::vector<std::string>* matches_;
};

}  // namespace

bool PathPattern::IsPattern(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

absl::StatusOr<std::vector<std::string>> PathPattern::Expand(const std::string& pattern) {
  if (pattern.empty()) return absl::InvalidArgumentError("the pattern is empty");
  std::vector<std::string> components = absl::StrSplit(pattern, '/', absl::SkipEmpty());
  // As in glob(3), a trailing slash matches directories only.
  if (pattern.back() == '/') components.push_back(".");
  std::vector<std::string> matches;
  Expansion expansion(std::move(components), &matches);
  absl::Status status = expansion.Walk(pattern.front() == '/' ? "/" : "", 0);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(status.message(), " '", pattern, "'"));
  }
  return matches;
}

}  // namespace sluice
