// Expands a glob pattern (`/data/*/part-?.csv`) into the paths it matches, failing
// on any directory on the way it cannot read, where glob(3) would leave matches out.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

class PathPattern {
 public:
  // True if `text` has a wildcard (`*`, `?`, `[`) and so is a pattern, not a path.
  static bool IsPattern(const std::string& text);

  // The existing paths `pattern` matches, in no particular order: `*`, `?` and
  // `[...]` match within one path component (fnmatch(3)), a leading dot only
  // explicitly, as in glob(3). Unlike glob(3), even with GLOB_ERR, a directory that
  // the pattern must look into and cannot (no read or search permission, a loop of
  // symbolic links) is an error naming it: a job must not run on part of its input
  // without saying so. No match is an empty result.
  static absl::StatusOr<std::vector<std::string>> Expand(const std::string& pattern);
};

}  // namespace sluice
