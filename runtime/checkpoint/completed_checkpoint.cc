#include "sluice/runtime/checkpoint/completed_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "sluice/runtime/storage/crc32c.h"
#include "sluice/runtime/storage/posix_file.h"

namespace sluice {
namespace {

constexpr uint64_t kMaxManifestBytes = 64 << 20;

}  // namespace

absl::StatusOr<CompletedCheckpoint> CompletedCheckpoint::Load(std::string dir) {
  const std::string path = dir + "/MANIFEST";
  auto bytes = ReadWholeFile(path, kMaxManifestBytes);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) {
      return absl::NotFoundError(
          absl::StrCat(dir, " is not a complete checkpoint: it has no MANIFEST"));
    }
    return bytes.status();
  }
  auto manifest = CheckpointManifest::Decode(path, std::move(*bytes));
  if (!manifest.ok()) return manifest.status();
  CompletedCheckpoint checkpoint(std::move(dir), std::move(*manifest));
  for (const auto& blob : checkpoint.manifest_.blobs) {
    uint64_t& size = checkpoint.file_sizes_[blob.file];
    size = std::max(size, blob.offset + blob.length);
  }
  for (const auto& blob : checkpoint.manifest_.blobs) {
    auto state = checkpoint.ReadBlob(blob);
    if (!state.ok()) return state.status();
  }
  return checkpoint;
}

std::vector<std::string> CompletedCheckpoint::names() const {
  std::vector<std::string> names;
  for (const auto& blob : manifest_.blobs) names.push_back(blob.name);
  return names;
}

bool CompletedCheckpoint::Has(const std::string& name) const {
  for (const auto& blob : manifest_.blobs) {
    if (blob.name == name) return true;
  }
  return false;
}

absl::StatusOr<std::string> CompletedCheckpoint::Read(const std::string& name) const {
  for (const auto& blob : manifest_.blobs) {
    if (blob.name == name) return ReadBlob(blob);
  }
  return absl::NotFoundError(absl::StrCat("checkpoint ", id(), " in ", dir_,
                                          " has no state named '", name, "'"));
}

absl::StatusOr<std::string> CompletedCheckpoint::ReadBlob(
    const CheckpointManifest::Blob& blob) const {
  const std::string path = absl::StrCat(dir_, "/", blob.file);
  auto damaged = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat("checkpoint ", id(), ": state '", blob.name,
                                            "' in ", path, " is damaged: ", why));
  };
  auto file = PosixFile::Open(path, PosixFile::Mode::kReadOnly);
  if (absl::IsNotFound(file.status())) return damaged("the file is missing");
  if (!file.ok()) return file.status();  // not damage: permissions, I/O
  auto size = file->Size();
  if (!size.ok()) return size.status();
  // Every byte of a state file belongs to a blob: a file longer or shorter than its
  // blobs is damaged.
  const uint64_t expected = file_sizes_.at(blob.file);
  if (*size != expected) {
    return damaged(absl::StrCat(*size, " bytes where ", expected, " were written"));
  }
  std::string bytes(blob.length, '\0');
  size_t read = 0;
  if (absl::Status s = file->PRead(blob.offset, bytes.size(), bytes.data(), &read);
      !s.ok()) {
    return s;
  }
  if (read != blob.length) {
    return damaged(absl::StrCat(read, " bytes where ", blob.length, " were written"));
  }
  if (Crc32c(bytes) != blob.crc32c) return damaged("CRC mismatch");
  return bytes;
}

}  // namespace sluice
