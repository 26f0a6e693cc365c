#include "sluice/runtime/storage/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace sluice {

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  // ISA-L works on the register value: the standard CRC's initial and final inversion
  // are the caller's. Its length is an int, hence the chunks.
  uint32_t state = ~crc;
  auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    int chunk = static_cast<int>(std::min<size_t>(left, INT_MAX));
    state = crc32_iscsi(bytes, chunk, state);
    bytes += chunk;
    left -= static_cast<size_t>(chunk);
  }
  return ~state;
}

void AppendCrc32cTrailer(std::string* bytes) {
  const uint32_t crc = Crc32c(*bytes);
  bytes->append(reinterpret_cast<const char*>(&crc), sizeof(crc));
}

bool TakeCrc32cTrailer(std::string* bytes) {
  if (bytes->size() < sizeof(uint32_t)) return false;
  const size_t body = bytes->size() - sizeof(uint32_t);
  uint32_t crc;
  std::memcpy(&crc, bytes->data() + body, sizeof(crc));
  if (Crc32c(std::string_view(bytes->data(), body)) != crc) return false;
  bytes->resize(body);
  return true;
}

}  // namespace sluice
