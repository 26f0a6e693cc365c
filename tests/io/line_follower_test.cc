// LineFollower against files changed the ways logs change: appends in pieces,
// rotation by rename, truncation in place, and resuming from a saved position.
#include "sluice/io/file/line_follower.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::sluice::testing::ScratchDirectory;

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

std::vector<std::string> Numbered(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i < to; ++i) lines.push_back(absl::StrCat("line ", i));
  return lines;
}

std::string Text(int from, int to) {
  std::string text;
  for (const auto& line : Numbered(from, to)) absl::StrAppend(&text, line, "\n");
  return text;
}

class LineFollowerTest : public ::testing::Test {
 protected:
  std::vector<std::string> PollAll(LineFollower& follower) {
    BatchVector<std::string> lines;
    for (int i = 0; i < 100; ++i) {
      size_t before = lines.size();
      absl::Status status = follower.Poll(7, &lines);
      EXPECT_TRUE(status.ok()) << status;
      if (lines.size() == before) break;
    }
    return std::vector<std::string>(lines.begin(), lines.end());
  }
  LineFollower Make(bool from_end = false,
                    const LineFollower::Position* resume = nullptr) {
    return LineFollower(path_, from_end, resume,
                        [this](std::string_view w) { warnings_.emplace_back(w); });
  }

  ScratchDirectory scratch_;
  std::string path_ = scratch_.Path("app.log");
  std::vector<std::string> warnings_;
};

TEST_F(LineFollowerTest, ReturnsCompleteLinesOnceAsTheyAreAppended) {
  LineFollower follower = Make();
  EXPECT_TRUE(PollAll(follower).empty());  // no file yet: waits
  Append(path_, Text(0, 10) + "line 1");   // a partial last line
  EXPECT_EQ(PollAll(follower), Numbered(0, 10));
  Append(path_, "0\r\n" + Text(11, 30));
  std::vector<std::string> want = {"line 10\r"};
  for (auto& line : Numbered(11, 30)) want.push_back(line);
  EXPECT_EQ(PollAll(follower), want);
  EXPECT_TRUE(PollAll(follower).empty());
  EXPECT_EQ(follower.position().offset, static_cast<int64_t>(fs::file_size(path_)));
}

TEST_F(LineFollowerTest, FromEndSkipsWhatWasThere) {
  Append(path_, Text(0, 5));
  LineFollower follower = Make(/*from_end=*/true);
  EXPECT_TRUE(PollAll(follower).empty());
  Append(path_, Text(5, 8));
  EXPECT_EQ(PollAll(follower), Numbered(5, 8));
}

TEST_F(LineFollowerTest, FollowsRotationWithoutLosingOrRepeatingLines) {
  LineFollower follower = Make();
  Append(path_, Text(0, 10));
  EXPECT_EQ(PollAll(follower), Numbered(0, 10));
  Append(path_, Text(10, 15) + "last");  // written before the rename, unterminated
  fs::rename(path_, path_ + ".1");
  Append(path_, Text(15, 20));
  std::vector<std::string> want = Numbered(10, 15);
  want.push_back("last");
  for (auto& line : Numbered(15, 20)) want.push_back(line);
  EXPECT_EQ(PollAll(follower), want);
  // Renamed away with no new file yet: waits, then picks the new one up.
  fs::rename(path_, path_ + ".2");
  EXPECT_TRUE(PollAll(follower).empty());
  Append(path_, Text(20, 22));
  EXPECT_EQ(PollAll(follower), Numbered(20, 22));
}

// The writer's last lines and its rename land between the follower reading the old
// file to its end and looking for a new file (the hook runs exactly there): the
// lines are still read, once, before the new file's.
TEST_F(LineFollowerTest, LinesWrittenJustBeforeARotationAreNotLost) {
  LineFollower follower = Make();
  Append(path_, Text(0, 10));
  EXPECT_EQ(PollAll(follower), Numbered(0, 10));
  bool rotated = false;
  follower.SetEndOfFileHookForTest([&] {
    if (rotated) return;
    rotated = true;
    Append(path_, Text(10, 25) + "last");
    fs::rename(path_, path_ + ".1");
    Append(path_, Text(25, 30));
  });
  std::vector<std::string> want = Numbered(10, 25);
  want.push_back("last");
  for (auto& line : Numbered(25, 30)) want.push_back(line);
  EXPECT_EQ(PollAll(follower), want);
  EXPECT_TRUE(rotated);
}

// A writer that goes on appending to the renamed file does not keep the follower on
// it: the follower reads it once more after seeing the new file, then moves on.
TEST_F(LineFollowerTest, AWriterStillAppendingToTheRenamedFileDoesNotHoldItBack) {
  LineFollower follower = Make();
  Append(path_, Text(0, 10));
  EXPECT_EQ(PollAll(follower), Numbered(0, 10));
  int calls = 0;
  follower.SetEndOfFileHookForTest([&] {
    if (calls++ == 0) {
      Append(path_, Text(10, 25));
      fs::rename(path_, path_ + ".1");
      Append(path_, Text(25, 30));
    } else {
      Append(path_ + ".1", absl::StrCat("after ", calls, "\n"));
    }
  });
  std::vector<std::string> got = PollAll(follower);
  ASSERT_GE(got.size(), 20u);
  EXPECT_EQ(std::vector<std::string>(got.begin(), got.begin() + 15), Numbered(10, 25));
  EXPECT_EQ(std::vector<std::string>(got.end() - 5, got.end()), Numbered(25, 30));
  EXPECT_LE(calls, 5) << "kept polling the renamed file";
}

TEST_F(LineFollowerTest, StartsOverAfterTruncation) {
  LineFollower follower = Make();
  Append(path_, Text(0, 50));
  EXPECT_EQ(PollAll(follower), Numbered(0, 50));
  fs::resize_file(path_, 0);  // copytruncate
  Append(path_, Text(50, 53));
  EXPECT_EQ(PollAll(follower), Numbered(50, 53));
  ASSERT_FALSE(warnings_.empty());
  EXPECT_NE(warnings_.back().find("truncated"), std::string::npos);
}

TEST_F(LineFollowerTest, ResumesAtASavedPositionEvenAfterRotation) {
  LineFollower::Position saved;
  {
    LineFollower follower = Make();
    Append(path_, Text(0, 10));
    EXPECT_EQ(PollAll(follower), Numbered(0, 10));
    saved = follower.position();
  }
  Append(path_, Text(10, 12));
  {
    LineFollower follower = Make(false, &saved);  // same file
    EXPECT_EQ(PollAll(follower), Numbered(10, 12));
  }
  // Rotated while nobody was reading: the rest of the old file, then the new one.
  Append(path_, Text(12, 14));
  fs::rename(path_, path_ + ".1");
  Append(path_, Text(14, 16));
  LineFollower::Position at_ten = saved;
  at_ten.offset = static_cast<int64_t>(Text(0, 12).size());
  LineFollower follower = Make(false, &at_ten);
  EXPECT_EQ(PollAll(follower), Numbered(12, 16));
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  // A position in a file that is gone entirely: said, and the current file read.
  fs::remove(path_ + ".1");
  LineFollower lost = Make(false, &at_ten);
  EXPECT_EQ(PollAll(lost), Numbered(14, 16));
  ASSERT_FALSE(warnings_.empty());
  EXPECT_NE(warnings_.back().find("are lost"), std::string::npos);
}

// The source in a running job: lines appended and rotated while it runs arrive once.
TEST_F(LineFollowerTest, FollowTextFileInAJob) {
  Append(path_, Text(0, 100));
  Dataflow flow;
  CollectorSink<std::string> sink;
  flow.Source(FollowedTextSource(path_).PollEvery(std::chrono::milliseconds(2)))
      .Sink(sink);
  auto job = flow.Build(::sluice::testing::QuietOptions(2));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(job->Start().ok());
  Append(path_, Text(100, 150));
  fs::rename(path_, path_ + ".1");
  Append(path_, Text(150, 200));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink.Size() < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  job->Cancel();
  (void)job->Wait();
  EXPECT_EQ(sink.Items(), Numbered(0, 200));
}

}  // namespace
}  // namespace sluice
