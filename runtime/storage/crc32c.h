// CRC-32C (Castagnoli), the checksum of the event log's record batches and files.
// Computed by Intel's ISA-L, which uses the CPU's CRC instructions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// The CRC-32C of `data`, continuing from `crc` (the CRC of the bytes before it, or 0
// to start): Crc32c(b, Crc32c(a)) == Crc32c(a + b).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// Small files that must be whole (a topic's metadata, a checkpoint's MANIFEST) end
// with the CRC-32C of what comes before it, 4 bytes little-endian.
void AppendCrc32cTrailer(std::string* bytes);
// Checks and removes the trailer; false (and `bytes` unchanged) if it is missing or
// does not match.
bool TakeCrc32cTrailer(std::string* bytes);

}  // namespace sluice
