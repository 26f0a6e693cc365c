// CRC-32C (Castagnoli), the checksum of the event log's record batches and files.
// Computed by Intel's ISA-L, which uses the CPU's CRC instructions.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// The CRC-32C of `data`, continuing from `crc` (the CRC of the bytes before it, or 0
// to start): Crc32c(b, Crc32c(a)) == Crc32c(a + b).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace sluice
