// The Output at the end of a fused chain: writes batches to the channels of one
// downstream edge. Covers the partitionings that do not look at the data
// (forward, rebalance, broadcast); KeyHashOutput adds key partitioning.
#pragma once

#include <vector>

#include "sluice/runtime/channel.h"
#include "sluice/runtime/output.h"

namespace sluice {

enum class Partitioning { kForward, kRebalance, kBroadcast, kKeyHash };

const char* PartitioningName(Partitioning partitioning);

class ChannelOutput : public Output {
 public:
  // `channels` holds one channel per downstream instance this producer instance
  // feeds (one for forward). Not owned.
  ChannelOutput(Partitioning mode, std::vector<Channel*> channels, int instance = 0)
      : mode_(mode), channels_(std::move(channels)), next_(instance) {}

  void Emit(BatchPtr batch) override;
  void EmitControl(ElementKind kind, int64_t value) override;
  bool HasRoom() const override;

 protected:
  const std::vector<Channel*>& channels() const { return channels_; }

 private:
  Partitioning mode_;
  std::vector<Channel*> channels_;
  size_t next_;  // round-robin cursor, starts at the instance index to spread load
};

}  // namespace sluice
