// The state bytes checkpoint tests write: state i of checkpoint id, sizes that vary
// (100 + 977 i bytes) and content that depends on both, so a mix-up of states or
// checkpoints shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::testing {

inline std::string StateOf(int64_t id, int i) {
  std::string bytes(static_cast<size_t>(100 + i * 977), '\0');
  for (size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<char>(id * 31 + i + k);
  return bytes;
}

}  // namespace sluice::testing
