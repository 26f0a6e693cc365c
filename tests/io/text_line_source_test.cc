// TextLineSource end to end: files, directories and globs read by 1 or 2 parallel readers
// with re-cut batches; every line exactly once, whatever the line endings.
#include "sluice/io/file/text_line_source.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::AllRunConfigs;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

class TextLineSourceTest : public RunConfigTest {};

// Files of very different sizes, so the two readers get different numbers of files.
std::vector<std::string> WriteNumberedFiles(const ScratchDirectory& dir,
                                            const std::string& subdirectory,
                                            const std::string& extension) {
  std::vector<std::string> expected;
  const int kLines[] = {1, 40, 3, 0, 17, 250, 2};
  for (int f = 0; f < 7; ++f) {
    std::string content;
    for (int l = 0; l < kLines[f]; ++l) {
      std::string line = "file" + std::to_string(f) + " line " + std::to_string(l);
      content += line + "\n";
      expected.push_back(line);
    }
    dir.Write(subdirectory + "/part" + std::to_string(f) + extension, content);
  }
  return expected;
}

TEST_P(TextLineSourceTest, DirectoryLinesAreReadExactlyOnce) {
  ScratchDirectory dir;
  std::vector<std::string> expected = WriteNumberedFiles(dir, "logs", ".txt");
  EXPECT_THAT(ReadAll(TextLineSource(dir.Path("logs"))),
              UnorderedElementsAreArray(expected));
}

TEST_P(TextLineSourceTest, GlobLinesAreReadExactlyOnce) {
  ScratchDirectory dir;
  std::vector<std::string> expected = WriteNumberedFiles(dir, "logs", ".log");
  WriteNumberedFiles(dir, "logs", ".skip");  // same lines again, not matched
  EXPECT_THAT(ReadAll(TextLineSource(dir.Path("logs/part*.log"))),
              UnorderedElementsAreArray(expected));
}

TEST_P(TextLineSourceTest, OneFileKeepsItsOrder) {
  ScratchDirectory dir;
  std::vector<std::string> expected;
  std::string content;
  for (int i = 0; i < 100; ++i) {
    expected.push_back("line " + std::to_string(i));
    content += expected.back() + "\n";
  }
  // One file goes to one reader, so even at parallelism 2 its lines stay in order.
  EXPECT_THAT(ReadAll(TextLineSource(dir.Write("one.txt", content))),
              ElementsAreArray(expected));
}

TEST_P(TextLineSourceTest, LineEndingsAndLastLineWithoutNewline) {
  ScratchDirectory dir;
  dir.Write("in/crlf.txt", "alpha\r\nbeta\r\n\r\ngamma\r\n");
  dir.Write("in/mixed.txt", "one\ntwo\r\nthree");
  dir.Write("in/empty.txt", "");
  dir.Write("in/only_newline.txt", "\n");
  dir.Write("in/bom.txt", "\xEF\xBB\xBFwith bom\nkeeps\tinner\rcarriage returns\n");
  std::vector<std::string> expected = {
      "alpha", "beta",  "", "gamma",    "one",
      "two",   "three", "", "with bom", "keeps\tinner\rcarriage returns"};
  EXPECT_THAT(ReadAll(TextLineSource(dir.Path("in"))),
              UnorderedElementsAreArray(expected));
}

TEST_P(TextLineSourceTest, EmptyFilesAndEmptyDirectoryProduceNothing) {
  ScratchDirectory dir;
  dir.Write("empties/a", "");
  dir.Write("empties/b", "");
  EXPECT_TRUE(ReadAll(TextLineSource(dir.Path("empties"))).empty());
  std::filesystem::create_directories(dir.Path("nothing"));
  EXPECT_TRUE(ReadAll(TextLineSource(dir.Path("nothing"))).empty());
}

TEST_P(TextLineSourceTest, InvalidUtf8IsABadRecord) {
  ScratchDirectory dir;
  std::string path = dir.Write("bytes.txt", "good\nbad \xFF byte\nalso good\n\xC3\n");
  // Fail: the job stops, naming the file and line.
  {
    Dataflow flow;
    flow.Source(TextLineSource(path)).Sink([](const std::string&) {});
    EXPECT_THAT(flow.Run(GetParam().Options()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "bad record at " + path + ":2: invalid UTF-8"));
  }
  // Skip: counted.
  {
    auto source = TextLineSource(path).OnBadRecord(BadRecordPolicy::Skip());
    EXPECT_THAT(ReadAll(source), UnorderedElementsAreArray({"good", "also good"}));
    EXPECT_EQ(source.bad_records().skipped(), 2u);
  }
}

TEST_P(TextLineSourceTest, MissingInputFailsTheBuildNamingThePath) {
  ScratchDirectory dir;
  for (std::string missing :
       {dir.Path("absent.txt"), dir.Path("absent_dir"), dir.Path("*.none")}) {
    Dataflow flow;
    flow.Source(TextLineSource(missing)).Sink([](const std::string&) {});
    EXPECT_THAT(flow.Build(GetParam().Options()),
                StatusIs(absl::StatusCode::kNotFound, missing));
  }
}

TEST_P(TextLineSourceTest, FileRemovedAfterBuildFailsAtStartNamingThePath) {
  ScratchDirectory dir;
  std::string path = dir.Write("vanishing.txt", "x\n");
  Dataflow flow;
  flow.Source(TextLineSource(path)).Sink([](const std::string&) {});
  absl::StatusOr<Job> job = flow.Build(GetParam().Options());
  SLUICE_ASSERT_OK(job);
  std::filesystem::remove(path);
  EXPECT_THAT(job->Run(), StatusIs(absl::StatusCode::kNotFound, path));
}

TEST_P(TextLineSourceTest, UnreadableFileFailsAtStartNamingThePath) {
  ScratchDirectory dir;
  std::string path = dir.Write("secret.txt", "x\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  if (::geteuid() == 0) {
    // Root reads files without read permission, but not this write-only kernel file.
    path = "/proc/sys/vm/drop_caches";
    if (::access(path.c_str(), F_OK) != 0 || ::access(path.c_str(), R_OK) == 0) {
      GTEST_SKIP() << "no file here that this user cannot read";
    }
  }
  Dataflow flow;
  flow.Source(TextLineSource(path)).Sink([](const std::string&) {});
  EXPECT_THAT(
      flow.Run(GetParam().Options()),
      StatusIs(absl::StatusCode::kPermissionDenied, "cannot open '" + path + "'"));
}

INSTANTIATE_TEST_SUITE_P(Configs, TextLineSourceTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
