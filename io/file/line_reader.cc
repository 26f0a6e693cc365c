// Line reading on stdio with getline(3), which handles lines of any length.
#include "sluice/io/file/line_reader.h"

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

absl::Status LineReader::Open(const std::string& path) {
  Close();
  path_ = path;
  number_ = 0;
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  }
  std::setvbuf(file_, nullptr, _IOFBF, kReadBufferBytes);
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(Line* line) {
  if (file_ == nullptr) return false;
  errno = 0;
  ssize_t length = ::getline(&buffer_, &capacity_, file_);
  if (length < 0) {
    if (std::ferror(file_)) {
      return absl::ErrnoToStatus(errno, absl::StrCat("error reading '", path_, "'"));
    }
    return false;
  }
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
