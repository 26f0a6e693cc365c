// Damage to the checkpoint directory, case by case: each state file flipped,
// truncated or deleted, the MANIFEST flipped, truncated or deleted, whole checkpoint
// directories deleted; to the newest checkpoint only (restore falls back to the one
// before, naming what it skipped and why) or to every checkpoint (restore refuses,
// listing each one). Checkpoints left incomplete by a kill are not damage.
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/runtime/checkpoint/checkpoint_completion_record.h"
#include "sluice/runtime/checkpoint/checkpoint_storage.h"
#include "sluice/tests/checkpoint_state_of.h"
#include "sluice/tests/io/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using ::sluice::testing::ScratchDirectory;

using ::sluice::testing::StateOf;

// Three pieces of state, each in its own file: 0.state, 1.state, 2.state.
void Commit(CheckpointStorage& storage, int64_t id) {
  auto writer = storage.Begin(id);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*writer)->Put(absl::StrCat("op/", i), StateOf(id, i)).ok());
  }
  ASSERT_TRUE((*writer)->Commit().ok());
}

void Flip(const std::string& path, size_t at) {
  std::string bytes = ScratchDirectory::Read(path);
  bytes[at % bytes.size()] ^= 0x04;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Damage {
  std::string name;
  std::function<void(const std::string& dir)> apply;
  std::string says;  // in the reason given for the damaged checkpoint
};

// Every kind of damage to one checkpoint directory. The reasons are those of
// completed_checkpoint.cc and checkpoint_manifest.cc; 1.state is 1,077 bytes.
std::vector<Damage> Damages() {
  std::vector<Damage> damages;
  for (int i = 0; i < 3; ++i) {
    const std::string file = absl::StrCat("/", i, ".state");
    damages.push_back({absl::StrCat("state ", i, " flipped"),
                       [file](const std::string& d) { Flip(d + file, 77); },
                       absl::StrCat(file, " is damaged: CRC mismatch")});
    damages.push_back({absl::StrCat("state ", i, " truncated"),
                       [file](const std::string& d) { fs::resize_file(d + file, 50); },
                       absl::StrCat(file, " is damaged: 50 bytes where ", 100 + i * 977,
                                    " were written")});
    damages.push_back({absl::StrCat("state ", i, " deleted"),
                       [file](const std::string& d) { fs::remove(d + file); },
                       absl::StrCat(file, " is damaged: the file is missing")});
  }
  damages.push_back({"MANIFEST flipped",
                     [](const std::string& d) { Flip(d + "/MANIFEST", 20); },
                     "MANIFEST is damaged: CRC mismatch"});
  damages.push_back({"MANIFEST truncated",
                     [](const std::string& d) { fs::resize_file(d + "/MANIFEST", 7); },
                     "MANIFEST is damaged: CRC mismatch or too short"});
  damages.push_back({"MANIFEST deleted",
                     [](const std::string& d) { fs::remove(d + "/MANIFEST"); },
                     "has no MANIFEST"});
  return damages;
}

class CheckpointDamageTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenCopy(""); }
  // A new checkpoint directory: a copy of `original`, or empty. (Copies are cheaper
  // than commits, which fsync.)
  void OpenCopy(const std::string& original) {
    const std::string dir = scratch_.Path(absl::StrCat("checkpoints-", ++opened_));
    if (!original.empty()) fs::copy(original, dir, fs::copy_options::recursive);
    auto storage = CheckpointStorage::Open(dir, /*retain=*/3);
    ASSERT_TRUE(storage.ok()) << storage.status();
    storage_ = std::move(*storage);
  }
  absl::StatusOr<CompletedCheckpoint> Latest() {
    warnings_.clear();
    return storage_->LoadLatest(
        [this](std::string_view w) { warnings_.emplace_back(w); });
  }

  ScratchDirectory scratch_;
  std::unique_ptr<CheckpointStorage> storage_;
  std::vector<std::string> warnings_;
  int opened_ = 0;
};

// Checkpoints 1, 2, 3; 3 damaged: 2 is restored, with one message naming checkpoint 3,
// its directory and the damage.
TEST_F(CheckpointDamageTest, DamageToTheNewestFallsBackNamingIt) {
  for (int64_t id = 1; id <= 3; ++id) Commit(*storage_, id);
  const std::string undamaged = storage_->dir();
  for (const Damage& damage : Damages()) {
    SCOPED_TRACE(damage.name);
    OpenCopy(undamaged);
    damage.apply(storage_->PathOf(3));
    auto latest = Latest();
    ASSERT_TRUE(latest.ok()) << latest.status();
    EXPECT_EQ(latest->id(), 2);
    EXPECT_EQ(*latest->Read("op/1"), StateOf(2, 1));
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_NE(warnings_[0].find("skipping checkpoint 3"), std::string::npos)
        << warnings_[0];
    EXPECT_NE(warnings_[0].find(storage_->PathOf(3)), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[0].find(damage.says), std::string::npos) << warnings_[0];
    EXPECT_NE(warnings_[0].find("falling back to checkpoint 2"), std::string::npos)
        << warnings_[0];
  }
}

// Deleting the newest MANIFEST: the message says the checkpoint had completed.
TEST_F(CheckpointDamageTest, ADeletedManifestOfACompleteCheckpointIsCalledSo) {
  for (int64_t id = 1; id <= 2; ++id) Commit(*storage_, id);
  fs::remove(storage_->PathOf(2) + "/MANIFEST");
  auto latest = Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->id(), 1);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("records it as complete: its MANIFEST was deleted"),
            std::string::npos)
      << warnings_[0];
}

// Checkpoints 1, 2, 3, all damaged alike: nothing is restored, and the error lists
// each checkpoint with its damage.
TEST_F(CheckpointDamageTest, DamageToEveryCheckpointIsAnErrorListingEach) {
  for (int64_t id = 1; id <= 3; ++id) Commit(*storage_, id);
  const std::string undamaged = storage_->dir();
  for (const Damage& damage : Damages()) {
    SCOPED_TRACE(damage.name);
    OpenCopy(undamaged);
    for (int64_t id = 1; id <= 3; ++id) damage.apply(storage_->PathOf(id));
    auto latest = Latest();
    ASSERT_TRUE(absl::IsDataLoss(latest.status())) << latest.status();
    const std::string message(latest.status().message());
    EXPECT_NE(message.find(
                  absl::StrCat("no checkpoint in ", storage_->dir(), " can be restored")),
              std::string::npos)
        << message;
    for (int64_t id = 1; id <= 3; ++id) {
      const size_t at = message.find(absl::StrCat("checkpoint ", id, " ("));
      ASSERT_NE(at, std::string::npos) << id << ": " << message;
      EXPECT_NE(message.find(damage.says, at), std::string::npos)
          << id << ": " << message;
    }
    EXPECT_EQ(warnings_.size(), 3u);
  }
}

// Deleting the checkpoint directories themselves: the completion record still says a
// checkpoint completed.
TEST_F(CheckpointDamageTest, DeletedCheckpointDirectoriesAreNoticed) {
  for (int64_t id = 1; id <= 3; ++id) Commit(*storage_, id);
  fs::remove_all(storage_->PathOf(3));
  auto latest = Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->id(), 2);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("skipping checkpoint 3"), std::string::npos)
      << warnings_[0];
  EXPECT_NE(warnings_[0].find("is missing"), std::string::npos) << warnings_[0];

  fs::remove_all(storage_->PathOf(2));
  fs::remove_all(storage_->PathOf(1));
  latest = Latest();
  ASSERT_TRUE(absl::IsDataLoss(latest.status())) << latest.status();
  EXPECT_NE(latest.status().message().find("checkpoint 3 ("), std::string::npos)
      << latest.status();
  // New checkpoints are still numbered after the deleted ones.
  EXPECT_EQ(*storage_->HighestId(), 3);
}

// A crash after checkpoint 3's MANIFEST was renamed into place, before the
// completion record moved on from 2: checkpoint 3 is complete and restored.
TEST_F(CheckpointDamageTest, ACrashBeforeTheRecordIsWrittenLosesNothing) {
  for (int64_t id = 1; id <= 3; ++id) Commit(*storage_, id);
  ASSERT_TRUE(CheckpointCompletionRecord::Write(storage_->dir(), 2).ok());
  auto latest = Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->id(), 3);
  EXPECT_TRUE(warnings_.empty());
}

// Only checkpoints a kill left unfinished, and no record: a first start.
TEST_F(CheckpointDamageTest, OnlyUnfinishedCheckpointsIsAFirstStart) {
  for (int64_t id : {1, 2}) {
    auto writer = storage_->Begin(id);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Put("op/0", StateOf(id, 0)).ok());
    fs::copy(storage_->PathOf(id), scratch_.Path(absl::StrCat("kept-", id)));
  }  // removed by the writer; put back as a kill leaves them
  for (int64_t id : {1, 2}) {
    fs::copy(scratch_.Path(absl::StrCat("kept-", id)), storage_->PathOf(id));
  }
  auto latest = Latest();
  EXPECT_TRUE(absl::IsNotFound(latest.status())) << latest.status();
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_NE(warnings_[0].find("did not complete, or its MANIFEST was deleted"),
            std::string::npos)
      << warnings_[0];
}

// A damaged record: the checkpoints are still restored, with a message; with every
// MANIFEST gone too, the damaged record still shows that checkpoints completed.
TEST_F(CheckpointDamageTest, ADamagedRecordIsReportedAndStillCounts) {
  for (int64_t id = 1; id <= 2; ++id) Commit(*storage_, id);
  const std::string record = CheckpointCompletionRecord::PathIn(storage_->dir());
  Flip(record, 3);
  auto latest = Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->id(), 2);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find(record + " is damaged"), std::string::npos) << warnings_[0];

  for (int64_t id = 1; id <= 2; ++id) fs::remove(storage_->PathOf(id) + "/MANIFEST");
  latest = Latest();
  ASSERT_TRUE(absl::IsDataLoss(latest.status())) << latest.status();
  EXPECT_NE(latest.status().message().find(record + " is damaged"), std::string::npos)
      << latest.status();
}

// Without the record, deleted MANIFESTs look like unfinished checkpoints: the
// directory alone cannot tell (the exactly-once sinks' check then refuses, see
// tests/io/start_from_scratch_test.cc).
TEST_F(CheckpointDamageTest, WithoutTheRecordDeletedManifestsAreAmbiguous) {
  for (int64_t id = 1; id <= 2; ++id) Commit(*storage_, id);
  fs::remove(CheckpointCompletionRecord::PathIn(storage_->dir()));
  for (int64_t id = 1; id <= 2; ++id) fs::remove(storage_->PathOf(id) + "/MANIFEST");
  auto latest = Latest();
  EXPECT_TRUE(absl::IsNotFound(latest.status())) << latest.status();
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_NE(warnings_[0].find("did not complete, or its MANIFEST was deleted"),
            std::string::npos)
      << warnings_[0];
}

}  // namespace
}  // namespace sluice
