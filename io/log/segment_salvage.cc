#include "sluice/io/log/segment_salvage.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sluice/io/log/log_segment.h"
#include "sluice/runtime/status_macros.h"
#include "sluice/runtime/storage/aligned_buffer.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice::log {
namespace {

namespace fs = std::filesystem;

struct Run {
  uint64_t from = 0;  // file positions
  uint64_t to = 0;
  OffsetRange offsets;
};

// The runs of consecutive intact batches of a scanned segment.
std::vector<Run> RunsOf(const LogSegment& segment) {
  std::vector<Run> runs;
  uint64_t position = 0;
  int64_t offset = segment.base_offset();
  for (const LogSegment::Damage& d : segment.damage()) {
    if (d.position > position)
      runs.push_back(Run{position, d.position, {offset, d.offsets.from}});
    position = d.position + d.size;
    offset = d.offsets.to;
  }
  if (segment.size() > position) {
    runs.push_back(Run{position, segment.size(), {offset, segment.next_offset()}});
  }
  return runs;
}

std::string StagingPath(const std::string& dir, int64_t base, int64_t run_base) {
  return absl::StrCat(LogSegment::FileStem(dir, base),
                      std::string(SegmentSalvage::kStagingInfix),
                      absl::StrFormat("%020d", run_base));
}

absl::Status Rename(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", from, " to ", to, ": ", error.message()));
  }
  return absl::OkStatus();
}

// Copies bytes [run.from, run.to) of `source` to a new synced file `path`.
absl::Status CopyRun(const PosixFile& source, const Run& run, const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);  // a copy an earlier attempt did not finish
  SLUICE_ASSIGN_OR_RETURN(PosixFile out,
                          PosixFile::Open(path, PosixFile::Mode::kCreateNew));
  AlignedBuffer buffer;
  constexpr size_t kChunk = 1 << 20;
  buffer.Reserve(kChunk);
  for (uint64_t at = run.from; at < run.to;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, run.to - at));
    size_t read = 0;
    SLUICE_RETURN_IF_ERROR(source.PRead(at, want, buffer.data(), &read));
    if (read != want) {
      return absl::DataLossError(absl::StrCat(source.path(), " became shorter while ",
                                              "it was salvaged, at position ",
                                              at + read));
    }
    SLUICE_RETURN_IF_ERROR(
        out.PWrite(at - run.from, std::string_view(buffer.data(), read)));
    at += read;
  }
  SLUICE_RETURN_IF_ERROR(out.DataSync());
  return out.Close();
}

// What a damaged stretch of a segment cost, for the report.
std::string DamageLine(const std::string& path, const LogSegment::Damage& d) {
  return absl::StrCat(path, ": bytes [", d.position, ", ", d.position + d.size, ") (",
                      d.why, ") held offsets ", d.offsets.ToString(),
                      d.offsets.empty() ? " (none)" : "");
}

// Writes the runs as synced staging files, then moves the original aside: the commit
// point, after which FinishInterrupted moves the runs into place.
absl::Status Split(const LogSegment& segment, const std::vector<Run>& runs, bool last,
                   SegmentSalvage::Result* result) {
  const std::string dir = fs::path(segment.log_path()).parent_path().string();
  const int64_t base = segment.base_offset();
  const std::string stem = LogSegment::FileStem(dir, base);
  for (const LogSegment::Damage& d : segment.damage()) {
    result->done.push_back(DamageLine(segment.log_path(), d));
  }
  if (const LogSegment::Tail& tail = segment.tail(); tail.size > 0) {
    result->done.push_back(absl::StrCat(segment.log_path(), ": ", tail.size,
                                        " bytes at position ", tail.position, " (",
                                        tail.why, ") after the last intact batch",
                                        last ? " (an unfinished append)" : ""));
  }
  {
    SLUICE_ASSIGN_OR_RETURN(
        PosixFile source,
        PosixFile::Open(segment.log_path(), PosixFile::Mode::kReadOnly));
    for (const Run& run : runs) {
      SLUICE_RETURN_IF_ERROR(
          CopyRun(source, run, StagingPath(dir, base, run.offsets.from)));
    }
  }
  SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  std::error_code ignored;
  fs::remove(stem + ".index", ignored);  // derived: rebuilt by the writer's open
  SLUICE_ASSIGN_OR_RETURN(std::string aside,
                          SegmentSalvage::SetAside(dir, segment.log_path()));
  result->done.push_back(absl::StrCat(segment.log_path(),
                                      ": the original file is kept as ", aside,
                                      "; its intact batches stay in place"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SegmentSalvage::Result> SegmentSalvage::Salvage(const std::string& dir,
                                                               int64_t base,
                                                               uint32_t index_interval,
                                                               bool last) {
  SLUICE_ASSIGN_OR_RETURN(
      std::unique_ptr<LogSegment> segment,
      LogSegment::Open(dir, base, index_interval, LogSegment::OpenMode::kScan, false, 0,
                       [](std::string_view) {}));
  const std::string stem = LogSegment::FileStem(dir, base);
  Result result;
  const std::vector<Run> runs = RunsOf(*segment);
  for (const Run& run : runs) result.kept.push_back(run.offsets);
  if (segment->damage().empty() && segment->tail().size == 0) {
    if (runs.empty()) result.kept.push_back(OffsetRange{base, base});  // empty, last
    SLUICE_ASSIGN_OR_RETURN(std::string wrong, segment->CheckIndexFile());
    if (!last && !wrong.empty()) {
      std::error_code ignored;
      fs::remove(stem + ".index", ignored);
      result.done.push_back(absl::StrCat(stem, ".index: ", wrong, ": removed (rebuilt)"));
    }
    return result;
  }
  SLUICE_RETURN_IF_ERROR(Split(*segment, runs, last, &result));
  SLUICE_RETURN_IF_ERROR(FinishInterrupted(dir).status());
  if (runs.empty() && last) {
    // Nothing intact at the end: offsets go on from its base, not from before it.
    SLUICE_RETURN_IF_ERROR(LogSegment::Create(dir, base, index_interval, 0).status());
    SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
    result.kept.push_back(OffsetRange{base, base});
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> SegmentSalvage::FinishInterrupted(
    const std::string& dir) {
  struct Staged {
    std::string path;
    std::string final_path;
    bool original_name;  // the run keeps the original's name: it goes last
  };
  std::vector<Staged> staged;
  std::error_code error;
  for (fs::directory_iterator it(dir, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.find(kStagingInfix) != 20) continue;
    auto base = LogSegment::BaseOf(name.substr(0, 24), ".log");
    auto run = LogSegment::BaseOf(name.substr(20 + kStagingInfix.size()), "");
    if (!base.has_value() || !run.has_value()) continue;
    if (fs::exists(LogSegment::FileStem(dir, *base) + ".log")) {
      fs::remove(it->path(), error);  // its original is in place: salvaged anew
      continue;
    }
    staged.push_back(Staged{it->path().string(), LogSegment::FileStem(dir, *run) + ".log",
                            *run == *base});
  }
  if (error) {
    return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", error.message()));
  }
  std::sort(staged.begin(), staged.end(), [](const Staged& a, const Staged& b) {
    return a.original_name < b.original_name;
  });
  std::vector<std::string> done;
  for (const Staged& file : staged) {
    SLUICE_RETURN_IF_ERROR(Rename(file.path, file.final_path));
    done.push_back(absl::StrCat(file.final_path, ": moved into place (from ", file.path,
                                ", left by a repair that did not finish)"));
  }
  if (!staged.empty()) SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  return done;
}

absl::StatusOr<std::string> SegmentSalvage::SetAside(const std::string& dir,
                                                     const std::string& path) {
  const std::string damaged = absl::StrCat(dir, "/damaged");
  std::error_code error;
  if (fs::create_directories(damaged, error)) SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", damaged, ": ", error.message()));
  }
  const std::string name = fs::path(path).filename().string();
  std::string target = absl::StrCat(damaged, "/", name);
  for (int n = 1; fs::exists(target, error); ++n) {
    target = absl::StrCat(damaged, "/", name, ".", n);
  }
  SLUICE_RETURN_IF_ERROR(Rename(path, target));
  SLUICE_RETURN_IF_ERROR(SyncDirectory(damaged));
  SLUICE_RETURN_IF_ERROR(SyncDirectory(dir));
  return target;
}

}  // namespace sluice::log
