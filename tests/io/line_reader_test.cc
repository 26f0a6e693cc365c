// LineReader over byte ranges: reading a file as any set of adjacent ranges gives
// every line exactly once, with the line numbers of the whole file, whatever the
// line endings and wherever the cuts fall (in a line, on a "\r\n", at a line's
// start). Expected lines come from the test's own split of the file's bytes.
#include "sluice/io/file/line_reader.h"

#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::ScratchDirectory;
using NumberedLine = std::pair<uint64_t, std::string>;

// The lines of `content`, split by the test: "\n" ends a line, a "\r" before it is
// not part of it, and a last line without "\n" is still a line.
std::vector<NumberedLine> SplitLines(const std::string& content) {
  std::vector<NumberedLine> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    std::string line =
        content.substr(start, end == std::string::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back({lines.size() + 1, line});
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::vector<NumberedLine> ReadRange(const std::string& path, uint64_t begin,
                                    uint64_t end) {
  LineReader reader;
  EXPECT_TRUE(reader.Open(path, begin, end).ok());
  std::vector<NumberedLine> lines;
  Line line;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&line);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    lines.push_back({line.number, std::string(line.text)});
  }
  return lines;
}

std::string RandomContent(std::mt19937& random) {
  std::string content;
  const int lines = static_cast<int>(random() % 60);
  for (int i = 0; i < lines; ++i) {
    const int length = random() % 5 == 0 ? 0 : static_cast<int>(random() % 40);
    for (int c = 0; c < length; ++c)
      content.push_back(static_cast<char>('a' + random() % 26));
    if (i + 1 == lines && random() % 3 == 0) break;  // no final newline
    content += random() % 4 == 0 ? "\r\n" : "\n";
  }
  return content;
}

TEST(LineReaderTest, AnyCutIntoRangesReadsEveryLineOnceWithItsNumber) {
  std::mt19937 random(5);
  ScratchDirectory dir;
  for (int round = 0; round < 300; ++round) {
    const std::string content = RandomContent(random);
    const std::string path = dir.Write("f.txt", content);
    const std::vector<NumberedLine> expected = SplitLines(content);
    // Cuts at random offsets (duplicates give empty ranges), the last range open.
    std::set<uint64_t> cuts;
    const int count = static_cast<int>(random() % 6);
    for (int i = 0; i < count; ++i) cuts.insert(random() % (content.size() + 1));
    std::vector<NumberedLine> got;
    uint64_t begin = 0;
    for (uint64_t cut : cuts) {
      for (NumberedLine& line : ReadRange(path, begin, cut)) got.push_back(line);
      begin = cut;
    }
    for (NumberedLine& line :
         ReadRange(path, begin, std::numeric_limits<uint64_t>::max())) {
      got.push_back(line);
    }
    ASSERT_EQ(got, expected) << "round " << round;
  }
}

TEST(LineReaderTest, ARangeThatStartsInTheLastLineIsEmpty) {
  ScratchDirectory dir;
  const std::string path = dir.Write("f.txt", "first\nsecond line without newline");
  EXPECT_TRUE(ReadRange(path, 8, std::numeric_limits<uint64_t>::max()).empty());
  EXPECT_EQ(ReadRange(path, 6, std::numeric_limits<uint64_t>::max()),
            (std::vector<NumberedLine>{{2, "second line without newline"}}));
  EXPECT_EQ(ReadRange(path, 0, 6), (std::vector<NumberedLine>{{1, "first"}}));
}

// Counting the lines before a range reads through more than one buffer.
TEST(LineReaderTest, LineNumbersAfterALongPrefix) {
  ScratchDirectory dir;
  std::string content;
  for (int i = 0; i < 50000; ++i) content += "line " + std::to_string(i) + "\n";
  const std::string path = dir.Write("f.txt", content);
  const uint64_t begin = content.size() / 2;
  std::vector<NumberedLine> second = ReadRange(path, begin, content.size());
  const std::vector<NumberedLine> all = SplitLines(content);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.back(), all.back());
  const NumberedLine& first = second.front();
  EXPECT_EQ(all[first.first - 1], first);
  EXPECT_EQ(ReadRange(path, 0, begin).size() + second.size(), all.size());
}

}  // namespace
}  // namespace sluice
