// Line reading on stdio with getline(3), which handles lines of any length.
#include "sluice/io/file/line_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// Larger than stdio's default so reading a big file takes fewer system calls.
constexpr size_t kReadBufferBytes = 1 << 16;
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

LineReader::~LineReader() {
  Close();
  std::free(buffer_);
}

absl::Status LineReader::Open(const std::string& path, uint64_t begin, uint64_t end) {
  Close();
  path_ = path;
  number_ = 0;
  offset_ = 0;
  end_ = end;
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  }
  std::setvbuf(file_, nullptr, _IOFBF, kReadBufferBytes);
  return begin == 0 ? absl::OkStatus() : SkipToRange(begin);
}

// Reads up to the first line that starts at or after `begin` (the one after the
// first newline at or after begin - 1), counting the lines before it.
absl::Status LineReader::SkipToRange(uint64_t begin) {
  std::string block(kReadBufferBytes, '\0');
  while (true) {
    const size_t size = std::fread(block.data(), 1, block.size(), file_);
    std::string_view read(block.data(), size);
    // Only a newline at begin - 1 or later ends the line before the range.
    const uint64_t from = offset_ + 1 >= begin ? 0 : begin - 1 - offset_;
    const size_t newline = from < size ? read.find('\n', from) : std::string_view::npos;
    const std::string_view counted =
        read.substr(0, newline == std::string_view::npos ? size : newline + 1);
    number_ += static_cast<uint64_t>(std::count(counted.begin(), counted.end(), '\n'));
    if (newline != std::string_view::npos) {
      offset_ += newline + 1;
      // Back to just after that newline, for getline to read on from there.
      if (::fseeko(file_, static_cast<off_t>(offset_), SEEK_SET) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("error reading '", path_, "'"));
      }
      return absl::OkStatus();
    }
    offset_ += size;
    if (size < block.size()) {
      if (std::ferror(file_)) {
        return absl::ErrnoToStatus(errno, absl::StrCat("error reading '", path_, "'"));
      }
      return absl::OkStatus();  // no line starts in the range
    }
  }
}

absl::StatusOr<bool> LineReader::Next(Line* line) {
  if (file_ == nullptr || offset_ >= end_) return false;
  errno = 0;
  ssize_t length = ::getline(&buffer_, &capacity_, file_);
  if (length < 0) {
    if (std::ferror(file_)) {
      return absl::ErrnoToStatus(errno, absl::StrCat("error reading '", path_, "'"));
    }
    return false;
  }
  offset_ += static_cast<uint64_t>(length);
  std::string_view text(buffer_, static_cast<size_t>(length));
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  ++number_;
  if (number_ == 1 && text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  line->text = text;
  line->number = number_;
  return true;
}

void LineReader::Close() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

}  // namespace sluice
