// Writes well-formed starting inputs for the binary fuzz targets (record batches,
// manifests, state), built with the code under test so they follow its current
// format: fuzz_seeds DIR writes DIR/<target>/seed-<n>. scripts/fuzz.sh runs it.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sluice/engine/job_layout.h"
#include "sluice/io/log/record_batch.h"
#include "sluice/runtime/checkpoint/checkpoint_manifest.h"
#include "sluice/runtime/state/key_group_codec.h"
#include "sluice/tests/fuzz/fuzz_types.h"

namespace {

void Write(const std::filesystem::path& dir, const std::string& target, int n,
           const std::string& bytes) {
  std::filesystem::create_directories(dir / target);
  std::ofstream out(dir / target / ("seed-" + std::to_string(n)), std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Batch(int records, bool headers, uint64_t producer) {
  sluice::log::RecordBatchBuilder builder;
  for (int i = 0; i < records; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value(static_cast<size_t>(i * 7 % 40), 'v');
    const sluice::log::LogHeaderView header[] = {{"h", "x"}, {"trace", key}};
    builder.Add(key, value, 1'700'000'000'000 + i,
                headers ? std::span<const sluice::log::LogHeaderView>(header)
                        : std::span<const sluice::log::LogHeaderView>());
  }
  if (producer != 0) builder.SetProducer({producer, 3});
  absl::StatusOr<sluice::log::RecordBatchBuilder::Finished> batch = builder.Finish();
  sluice::log::StampBatchHeader(*batch, 1000);
  std::string bytes;
  for (std::string_view piece : batch->pieces()) bytes.append(piece);
  return bytes;
}

std::string Manifest(int blobs, bool savepoint) {
  sluice::CheckpointManifest manifest;
  manifest.checkpoint_id = 42;
  manifest.created_unix_millis = 1'700'000'000'000;
  manifest.savepoint = savepoint;
  for (int i = 0; i < blobs; ++i) {
    manifest.blobs.push_back({"operator-" + std::to_string(i), "task-0.state",
                              static_cast<uint64_t>(100 + i), 0xABCD0000u + i,
                              static_cast<uint64_t>(i * 100)});
  }
  return manifest.Encode();
}

// The state fuzzer's first three bytes: key group, entry count, kind.
template <class K, class V>
std::string State(uint8_t kind, const std::vector<std::pair<K, V>>& entries) {
  sluice::KeyGroupCodec<K, V> codec(128);
  const int group = codec.KeyGroupOf(entries.front().first);
  std::string snapshot = codec.SnapshotOne(group, [&](auto&& add) {
    for (const auto& [key, value] : entries) add(key, value);
  });
  return std::string{static_cast<char>(group), 1, static_cast<char>(kind)} + snapshot;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  Write(dir, "log_record_batch_fuzzer", 0, Batch(1, false, 0));
  Write(dir, "log_record_batch_fuzzer", 1, Batch(5, true, 0));
  Write(dir, "log_record_batch_fuzzer", 2, Batch(3, true, 77));
  Write(dir, "checkpoint_manifest_fuzzer", 0, Manifest(0, false));
  Write(dir, "checkpoint_manifest_fuzzer", 1, Manifest(3, true));
  Write(dir, "checkpoint_state_fuzzer", 0,
        State<std::string, std::vector<std::string>>(0, {{"k", {"a", "bc"}}}));
  Write(dir, "checkpoint_state_fuzzer", 1,
        State<int64_t, sluice::fuzz::Accumulator>(1, {{7, {3, 1.5, "x"}}}));
  Write(dir, "checkpoint_state_fuzzer", 2,
        State<uint64_t, std::map<std::string, int64_t>>(2, {{9, {{"a", 1}, {"b", 2}}}}));
  sluice::JobLayout layout;
  layout.max_key_groups = 128;
  layout.nodes = {{"source", "log_source", 2}, {"window", "window", 2}};
  Write(dir, "checkpoint_state_fuzzer", 3, std::string("\0\0\3", 3) + layout.Encode());
  return 0;
}
