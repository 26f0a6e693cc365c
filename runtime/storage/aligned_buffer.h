// A growable byte buffer whose start is 8-byte aligned, as record batch bodies
// (FlatBuffers with 64-bit fields) need when read back from a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice {

class AlignedBuffer {
 public:
  char* data() { return reinterpret_cast<char*>(words_.data()); }
  const char* data() const { return reinterpret_cast<const char*>(words_.data()); }
  // Makes room for `bytes`; the contents are kept only up to the old capacity.
  void Reserve(size_t bytes) {
    if (words_.size() * 8 < bytes) words_.resize((bytes + 7) / 8);
  }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace sluice
