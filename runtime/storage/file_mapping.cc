#include "sluice/runtime/storage/file_mapping.h"

#include <sys/mman.h>

#include <cerrno>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace sluice {

absl::StatusOr<std::shared_ptr<const FileMapping>> FileMapping::Map(
    int fd, const std::string& path, size_t length) {
  if (length == 0) length = 1;  // mmap refuses empty mappings
  void* data = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map ", length, " bytes of ", path, ": ",
                     std::system_category().message(errno)));
  }
  return std::shared_ptr<const FileMapping>(
      new FileMapping(static_cast<const char*>(data), length));
}

FileMapping::~FileMapping() { ::munmap(const_cast<char*>(data_), length_); }

}  // namespace sluice
