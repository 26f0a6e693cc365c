#include "sluice/runtime/channel_output.h"

namespace sluice {

const char* PartitioningName(Partitioning partitioning) {
  switch (partitioning) {
    case Partitioning::kForward:
      return "forward";
    case Partitioning::kRebalance:
      return "rebalance";
    case Partitioning::kBroadcast:
      return "broadcast";
    case Partitioning::kKeyHash:
      return "key-hash";
  }
  return "?";
}

void ChannelOutput::Emit(BatchPtr batch) {
  if (batch->size() == 0) return;
  switch (mode_) {
    case Partitioning::kBroadcast:
      for (size_t i = 0; i + 1 < channels_.size(); ++i) {
        channels_[i]->Push(Element::Data(CloneBatch(batch)));
      }
      channels_.back()->Push(Element::Data(std::move(batch)));
      return;
    case Partitioning::kRebalance:
      channels_[next_++ % channels_.size()]->Push(Element::Data(std::move(batch)));
      return;
    default:
      channels_.front()->Push(Element::Data(std::move(batch)));
      return;
  }
}

void ChannelOutput::EmitControl(ElementKind kind, int64_t value) {
  Flush();
  for (Channel* channel : channels_) channel->Push(Element::Control(kind, value));
}

bool ChannelOutput::HasRoom() const {
  for (const Channel* channel : channels_) {
    if (!channel->HasRoom()) return false;
  }
  return true;
}

}  // namespace sluice
