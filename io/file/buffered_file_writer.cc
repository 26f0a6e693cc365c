// Buffered file output on stdio with sticky errors.
#include "sluice/io/file/buffered_file_writer.h"

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// Large writes amortise the system calls; one buffer per sink instance is cheap.
constexpr size_t kWriteBufferBytes = 1 << 20;

}  // namespace

BufferedFileWriter::~BufferedFileWriter() { (void)Close(); }

absl::Status BufferedFileWriter::Open(const std::string& path) {
  (void)Close();
  path_ = path;
  status_ = absl::OkStatus();
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot create '", path, "'"));
  }
  std::setvbuf(file_, nullptr, _IOFBF, kWriteBufferBytes);
  return absl::OkStatus();
}

void BufferedFileWriter::Write(std::string_view data) {
  if (file_ == nullptr || !status_.ok() || data.empty()) return;
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) Fail(errno);
}

absl::Status BufferedFileWriter::Close() {
  if (file_ == nullptr) return status_;
  if (std::fflush(file_) != 0) Fail(errno);
  if (std::fclose(file_) != 0) Fail(errno);
  file_ = nullptr;
  return status_;
}

void BufferedFileWriter::Fail(int error_number) {
  if (!status_.ok()) return;
  status_ = absl::ErrnoToStatus(error_number, absl::StrCat("cannot write '", path_, "'"));
}

}  // namespace sluice
