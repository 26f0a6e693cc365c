#include "sluice/io/file/line_follower.h"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// The file at `path`: false if there is none.
bool StatPath(const std::string& path, struct stat* info) {
  return ::stat(path.c_str(), info) == 0;
}

}  // namespace

LineFollower::LineFollower(std::string path, bool from_end, const Position* resume,
                           Warning warn)
    : path_(std::move(path)),
      warn_(warn ? std::move(warn) : [](std::string_view) {}),
      from_end_(from_end) {
  if (resume != nullptr) {
    resume_pending_ = true;
    resume_ = *resume;
  }
}

absl::Status LineFollower::OpenAt(const std::string& path, int64_t offset) {
  auto file = PosixFile::Open(path, PosixFile::Mode::kReadOnly);
  if (!file.ok()) return file.status();
  struct stat info;
  if (::fstat(file->fd(), &info) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot stat ", path, ": ", std::system_category().message(errno)));
  }
  file_ = std::move(*file);
  identity_ =
      Identity{static_cast<uint64_t>(info.st_dev), static_cast<uint64_t>(info.st_ino)};
  if (offset > info.st_size) {
    warn_(absl::StrCat(path, " is shorter (", info.st_size, " bytes) than the position ",
                       offset, ": it was truncated; reading it from the start"));
    offset = 0;
  }
  read_offset_ = offset;
  partial_.clear();
  position_ = Position{identity_.device, identity_.inode, offset};
  rotation_seen_ = false;
  return absl::OkStatus();
}

absl::Status LineFollower::Start() { return OpenIfClosed(); }

absl::Status LineFollower::OpenIfClosed() {
  if (file_.is_open()) return absl::OkStatus();
  struct stat info;
  if (resume_pending_) {
    resume_pending_ = false;
    const Identity wanted{resume_.device, resume_.inode};
    struct stat rotated;
    if (StatPath(path_, &info) &&
        Identity{static_cast<uint64_t>(info.st_dev),
                 static_cast<uint64_t>(info.st_ino)} == wanted) {
      if (absl::Status s = OpenAt(path_, resume_.offset); !s.ok()) return s;
    } else if (StatPath(path_ + ".1", &rotated) &&
               Identity{static_cast<uint64_t>(rotated.st_dev),
                        static_cast<uint64_t>(rotated.st_ino)} == wanted) {
      // Rotated since: finish it, then go on with the new file at the path.
      if (absl::Status s = OpenAt(path_ + ".1", resume_.offset); !s.ok()) return s;
    } else {
      warn_(absl::StrCat("the file last read at ", path_, " (offset ", resume_.offset,
                         ") is gone; its lines after that offset are lost; reading ",
                         path_, " from the start"));
    }
  }
  if (!file_.is_open()) {
    if (!StatPath(path_, &info)) return absl::OkStatus();  // not there yet: wait
    if (absl::Status s = OpenAt(path_, from_end_ ? info.st_size : 0); !s.ok()) {
      return absl::IsNotFound(s) ? absl::OkStatus() : s;  // gone again: wait
    }
  }
  return absl::OkStatus();
}

absl::Status LineFollower::Poll(size_t max_lines, BatchVector<std::string>* lines) {
  if (absl::Status s = OpenIfClosed(); !s.ok()) return s;
  if (!file_.is_open()) return absl::OkStatus();
  const size_t before = lines->size();
  bool at_end = false;
  if (absl::Status s = ReadNew(max_lines, lines, &at_end); !s.ok()) return s;
  if (!at_end || lines->size() - before >= max_lines) return absl::OkStatus();
  if (end_of_file_hook_) end_of_file_hook_();
  bool switched = false;
  if (absl::Status s = CheckRotationOrTruncation(max_lines - (lines->size() - before),
                                                 lines, &switched);
      !s.ok()) {
    return s;
  }
  if (switched) return ReadNew(max_lines - (lines->size() - before), lines, &at_end);
  return absl::OkStatus();
}

absl::Status LineFollower::ReadNew(size_t max_lines, BatchVector<std::string>* lines,
                                   bool* at_end) {
  size_t taken = 0;
  std::string& chunk = buffer_;
  chunk.resize(kReadChunk);
  while (taken < max_lines) {
    size_t read = 0;
    if (absl::Status s = file_.PRead(static_cast<uint64_t>(read_offset_), chunk.size(),
                                     chunk.data(), &read);
        !s.ok()) {
      return s;
    }
    read_offset_ += static_cast<int64_t>(read);
    partial_.append(chunk.data(), read);
    size_t start = 0;
    for (size_t end; (end = partial_.find('\n', start)) != std::string::npos;
         start = end + 1) {
      lines->emplace_back(partial_, start, end - start);
      ++taken;
    }
    partial_.erase(0, start);
    position_.offset = read_offset_ - static_cast<int64_t>(partial_.size());
    if (read < chunk.size()) {
      *at_end = true;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// At the end of the open file: has the path moved on to a new file (rotation), or has
// the file shrunk under us (truncation)?
absl::Status LineFollower::CheckRotationOrTruncation(size_t max_lines,
                                                     BatchVector<std::string>* lines,
                                                     bool* switched) {
  struct stat info;
  if (!StatPath(path_, &info)) return absl::OkStatus();  // renamed, no new file yet
  const Identity at_path{static_cast<uint64_t>(info.st_dev),
                         static_cast<uint64_t>(info.st_ino)};
  if (at_path != identity_) {
    // Lines written to the old file after our last read and before the rename are
    // still in it: read it once more to its end after seeing the new file, and move
    // on only then (a writer still appending to the renamed file delays the switch
    // by at most one Poll; what it writes after that read is not followed).
    if (!rotation_seen_) {
      rotation_seen_ = true;
      const int64_t read_before = read_offset_;
      bool at_end = false;
      if (absl::Status s = ReadNew(max_lines, lines, &at_end); !s.ok()) return s;
      if (read_offset_ != read_before) return absl::OkStatus();
    }
    // The old file is read to its end; a last line without "\n" ends with the file.
    if (!partial_.empty()) lines->push_back(std::move(partial_));
    if (absl::Status s = OpenAt(path_, 0); !s.ok()) {
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    }
    *switched = true;
    return absl::OkStatus();
  }
  struct stat open_info;
  if (::fstat(file_.fd(), &open_info) == 0 && open_info.st_size < read_offset_) {
    warn_(absl::StrCat(path_, " was truncated (", open_info.st_size, " bytes, ",
                       read_offset_, " read); reading it again from the start"));
    read_offset_ = 0;
    partial_.clear();
    position_.offset = 0;
    *switched = true;
  }
  return absl::OkStatus();
}

}  // namespace sluice
