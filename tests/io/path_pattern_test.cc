// PathPattern against glob(3)'s matching rules on a small tree, worked out by hand.
#include "sluice/io/file/path_pattern.h"

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"

namespace sluice {
namespace {

using ::sluice::testing::ScratchDirectory;
using ::testing::UnorderedElementsAre;

TEST(PathPatternTest, MatchesLikeGlob) {
  ScratchDirectory dir;
  dir.Write("d/a/x.csv", "");
  dir.Write("d/b/x.csv", "");
  dir.Write("d/b/y.csv", "");
  dir.Write("d/.hidden/x.csv", "");
  dir.Write("d/c.csv", "");
  auto expand = [&](const std::string& pattern) {
    absl::StatusOr<std::vector<std::string>> paths =
        PathPattern::Expand(dir.Path(pattern));
    EXPECT_TRUE(paths.ok()) << paths.status();
    return paths.ok() ? *paths : std::vector<std::string>{};
  };
  EXPECT_THAT(expand("d/*/x.csv"),
              UnorderedElementsAre(dir.Path("d/a/x.csv"), dir.Path("d/b/x.csv")));
  EXPECT_THAT(expand("d/.*/x.csv"), UnorderedElementsAre(dir.Path("d/.hidden/x.csv")));
  EXPECT_THAT(expand("d/?/[xy].csv"),
              UnorderedElementsAre(dir.Path("d/a/x.csv"), dir.Path("d/b/x.csv"),
                                   dir.Path("d/b/y.csv")));
  EXPECT_THAT(expand("d/*"), UnorderedElementsAre(dir.Path("d/a"), dir.Path("d/b"),
                                                  dir.Path("d/c.csv")));
  EXPECT_THAT(expand("d/*/"), UnorderedElementsAre(dir.Path("d/a/."), dir.Path("d/b/.")));
  EXPECT_THAT(expand("d/*/z.csv"), ::testing::IsEmpty());
  EXPECT_THAT(expand("nowhere/*.csv"), ::testing::IsEmpty());
}

TEST(PathPatternTest, RelativePatternsAndTheWholeTree) {
  ScratchDirectory dir;
  dir.Write("r/x.csv", "");
  const std::string before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  absl::StatusOr<std::vector<std::string>> paths = PathPattern::Expand("r/*.csv");
  std::filesystem::current_path(before);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, UnorderedElementsAre("r/x.csv"));
  EXPECT_FALSE(PathPattern::IsPattern("plain/path.csv"));
  EXPECT_TRUE(PathPattern::IsPattern("a/[bc].csv"));
}

}  // namespace
}  // namespace sluice
