// InputFileSet: resolving files, directories and globs, and dealing files (or byte
// ranges of large files) out to parallel readers, checked against hand-worked
// shares and brute-force properties.
#include "sluice/io/file/input_file_set.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::ElementsAre;

std::vector<std::string> Paths(const std::vector<InputFile>& files) {
  std::vector<std::string> paths;
  for (const InputFile& file : files) paths.push_back(file.path);
  return paths;
}

TEST(InputFileSetTest, ResolvesFileDirectoryAndGlob) {
  ScratchDirectory dir;
  std::string b = dir.Write("in/b.txt", "bb\n");
  std::string a = dir.Write("in/a.txt", "a\n");
  std::string c = dir.Write("in/c.log", "ccc\n");
  dir.Write("in/sub/d.txt", "nested files are not read\n");

  absl::StatusOr<InputFileSet> one = InputFileSet::Resolve(a);
  SLUICE_ASSERT_OK(one);
  EXPECT_THAT(Paths(one->files()), ElementsAre(a));
  EXPECT_EQ(one->files()[0].size, 2u);

  absl::StatusOr<InputFileSet> directory = InputFileSet::Resolve(dir.Path("in"));
  SLUICE_ASSERT_OK(directory);
  EXPECT_THAT(Paths(directory->files()), ElementsAre(a, b, c));

  absl::StatusOr<InputFileSet> glob = InputFileSet::Resolve(dir.Path("in/*.txt"));
  SLUICE_ASSERT_OK(glob);
  EXPECT_THAT(Paths(glob->files()), ElementsAre(a, b));

  absl::StatusOr<InputFileSet> everything = InputFileSet::Resolve(dir.Path("in/*"));
  SLUICE_ASSERT_OK(everything);
  EXPECT_THAT(Paths(everything->files()), ElementsAre(a, b, c));  // not the directory
}

TEST(InputFileSetTest, MissingInputsAreNotFoundAndNamed) {
  ScratchDirectory dir;
  std::string missing = dir.Path("nope.csv");
  EXPECT_THAT(InputFileSet::Resolve(missing),
              StatusIs(absl::StatusCode::kNotFound, "'" + missing + "' does not exist"));
  std::string missing_dir = dir.Path("nodir/");
  EXPECT_THAT(InputFileSet::Resolve(missing_dir),
              StatusIs(absl::StatusCode::kNotFound, missing_dir));
  std::string pattern = dir.Path("*.csv");
  EXPECT_THAT(InputFileSet::Resolve(pattern),
              StatusIs(absl::StatusCode::kNotFound, "no file matches '" + pattern + "'"));
  dir.Write("only_dirs/x/keep", "");
  EXPECT_THAT(InputFileSet::Resolve(dir.Path("only_dirs/*")),
              StatusIs(absl::StatusCode::kNotFound, dir.Path("only_dirs/*")));
}

TEST(InputFileSetTest, EmptyDirectoryIsAnEmptySet) {
  ScratchDirectory dir;
  dir.Write("empty/sub/x", "");
  absl::StatusOr<InputFileSet> files = InputFileSet::Resolve(dir.Path("empty"));
  SLUICE_ASSERT_OK(files);
  EXPECT_TRUE(files->files().empty());
}

// Every file goes to exactly one reader, shares are sorted, and no reader could take
// a file from the most loaded one and still be lighter (the greedy balance bound).
TEST(InputFileSetTest, SharesPartitionTheFilesAndBalanceBytes) {
  std::mt19937 random(3);
  for (int round = 0; round < 50; ++round) {
    ScratchDirectory dir;
    int count = 1 + random() % 12;
    std::map<std::string, size_t> sizes;
    for (int i = 0; i < count; ++i) {
      size_t size = random() % 4 == 0 ? 0 : random() % 5000;
      std::string path = dir.Write("f" + std::to_string(i), std::string(size, 'x'));
      sizes[path] = size;
    }
    absl::StatusOr<InputFileSet> files = InputFileSet::Resolve(dir.path());
    SLUICE_ASSERT_OK(files);
    for (int parallelism : {1, 2, 3, 5}) {
      std::map<std::string, int> owner;
      std::vector<uint64_t> load(parallelism, 0);
      for (int instance = 0; instance < parallelism; ++instance) {
        std::vector<InputFile> share = files->ShareOf(instance, parallelism);
        EXPECT_TRUE(
            std::is_sorted(share.begin(), share.end(),
                           [](const auto& a, const auto& b) { return a.path < b.path; }));
        for (const InputFile& file : share) {
          EXPECT_TRUE(owner.emplace(file.path, instance).second) << file.path << " twice";
          load[instance] += sizes.at(file.path);
        }
      }
      EXPECT_EQ(owner.size(), sizes.size());
      size_t largest = 0;
      for (const auto& [path, size] : sizes) largest = std::max(largest, size);
      uint64_t max_load = *std::max_element(load.begin(), load.end());
      uint64_t min_load = *std::min_element(load.begin(), load.end());
      EXPECT_LE(max_load - min_load, largest) << "parallelism " << parallelism;
    }
  }
}

TEST(InputFileSetTest, EmptyFilesAreSpreadToo) {
  ScratchDirectory dir;
  for (int i = 0; i < 4; ++i) dir.Write("e" + std::to_string(i), "");
  absl::StatusOr<InputFileSet> files = InputFileSet::Resolve(dir.path());
  SLUICE_ASSERT_OK(files);
  EXPECT_EQ(files->ShareOf(0, 2).size(), 2u);
  EXPECT_EQ(files->ShareOf(1, 2).size(), 2u);
}

TEST(InputFileSetTest, ALargeFileIsCutIntoRangesForParallelReaders) {
  ScratchDirectory dir;
  std::string big = dir.Write("big.jsonl", std::string(10 << 20, 'x'));
  std::string small = dir.Write("small.jsonl", std::string(100, 'y'));
  absl::StatusOr<InputFileSet> files = InputFileSet::Resolve(dir.path());
  SLUICE_ASSERT_OK(files);
  FileSplitting splitting;
  splitting.enabled = true;
  // Fair share (10 MiB + 100) / 2: the big file in two halves; the small file goes
  // to the reader the halves left lighter (a tie: the first).
  std::vector<InputFile> first = files->ShareOf(0, 2, splitting);
  std::vector<InputFile> second = files->ShareOf(1, 2, splitting);
  ASSERT_EQ(first.size(), 2u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].path, big);
  EXPECT_EQ(first[0].begin, 0u);
  EXPECT_EQ(first[0].end, 5u << 20);
  EXPECT_EQ(first[1].path, small);
  EXPECT_TRUE(first[1].whole());
  EXPECT_EQ(second[0].path, big);
  EXPECT_EQ(second[0].begin, 5u << 20);
  EXPECT_EQ(second[0].end, std::numeric_limits<uint64_t>::max());
  // Without splitting, or below the minimum range, files stay whole.
  EXPECT_EQ(files->ShareOf(1, 2).size(), 1u);
  EXPECT_TRUE(files->ShareOf(1, 2)[0].whole());
  splitting.min_range_bytes = 6 << 20;
  EXPECT_TRUE(files->ShareOf(0, 2, splitting)[0].whole());
}

// Every byte of every file is in exactly one range of one reader, and ranges are
// at least the minimum, whatever the sizes and parallelism.
TEST(InputFileSetTest, RangesCoverEveryFileOnce) {
  std::mt19937 random(23);
  for (int round = 0; round < 10; ++round) {
    ScratchDirectory dir;
    std::map<std::string, uint64_t> sizes;
    const int count = 1 + static_cast<int>(random() % 5);
    for (int i = 0; i < count; ++i) {
      uint64_t size = random() % 3 == 0 ? random() % 100 : random() % 300000;
      sizes[dir.Write("f" + std::to_string(i), std::string(size, 'x'))] = size;
    }
    absl::StatusOr<InputFileSet> files = InputFileSet::Resolve(dir.path());
    SLUICE_ASSERT_OK(files);
    FileSplitting splitting{true, 10000};
    for (int parallelism : {2, 3, 7}) {
      std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> ranges;
      for (int instance = 0; instance < parallelism; ++instance) {
        for (const InputFile& piece : files->ShareOf(instance, parallelism, splitting)) {
          uint64_t end = std::min<uint64_t>(piece.end, sizes.at(piece.path));
          if (!piece.whole()) {
            EXPECT_GE(end - piece.begin, 10000u) << piece.path;
          }
          ranges[piece.path].push_back({piece.begin, end});
        }
      }
      ASSERT_EQ(ranges.size(), sizes.size());
      for (auto& [path, pieces] : ranges) {
        std::sort(pieces.begin(), pieces.end());
        uint64_t covered = 0;
        for (const auto& [begin, end] : pieces) {
          EXPECT_EQ(begin, covered) << path << " at parallelism " << parallelism;
          covered = end;
        }
        EXPECT_EQ(covered, sizes.at(path)) << path;
      }
    }
  }
}

}  // namespace
}  // namespace sluice
