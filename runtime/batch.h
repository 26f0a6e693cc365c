// A batch of events: the unit that moves between operators and through channels.
// Batches are recycled through BatchPool<T>, so steady-state processing does not
// allocate per event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "sluice/runtime/default_init_allocator.h"

namespace sluice {

class BatchBase {
 public:
  virtual ~BatchBase() = default;
  virtual size_t size() const = 0;
  // A deep copy, used when one batch must go to several consumers (broadcast, fan-out).
  virtual BatchBase* CloneRaw() const = 0;
  // Returns the batch to its pool (or frees it). Called by BatchPtr's deleter.
  virtual void Recycle() = 0;
};

struct BatchRecycler {
  void operator()(BatchBase* batch) const { batch->Recycle(); }
};

// Owning, type-erased handle to a batch. Destroying it recycles the batch.
using BatchPtr = std::unique_ptr<BatchBase, BatchRecycler>;

template <class T>
class Batch;

template <class T>
class BatchPool;

// Event time: `timestamps` is either empty (the stream has no event time) or holds
// one timestamp per item, in the same order (Stream::AssignTimestamps fills it, and
// every operator keeps it in step with `items`). A parallel array rather than a field
// per event keeps T the user's own type and costs nothing when unused. Both are
// BatchVectors: resize() and emplace_back() leave trivial members unwritten (see
// default_init_allocator.h).
template <class T>
class Batch final : public BatchBase {
 public:
  BatchVector<T> items;
  BatchVector<int64_t> timestamps;
  // The source split (file, log partition) the events came from, for sources that
  // interleave several splits in one instance: Stream::AssignTimestamps chained to
  // such a source keeps a watermark per split (see watermark_strategy.h). -1: none.
  int32_t split = -1;

  bool has_timestamps() const { return !timestamps.empty(); }

  size_t size() const override { return items.size(); }
  BatchBase* CloneRaw() const override;
  void Recycle() override;
};

// Views a type-erased batch as its concrete type. The planner guarantees the type;
// a mismatch is a bug in the engine, not a user error.
template <class T>
Batch<T>& BatchAs(BatchPtr& batch) {
  return *static_cast<Batch<T>*>(batch.get());
}
template <class T>
const Batch<T>& BatchAs(const BatchPtr& batch) {
  return *static_cast<const Batch<T>*>(batch.get());
}

}  // namespace sluice

#include "sluice/runtime/batch_pool.h"

namespace sluice {

template <class T>
BatchBase* Batch<T>::CloneRaw() const {
  BatchPtr copy = BatchPool<T>::Instance().Acquire();
  BatchAs<T>(copy).items = items;
  BatchAs<T>(copy).timestamps = timestamps;
  BatchAs<T>(copy).split = split;
  return copy.release();
}

template <class T>
void Batch<T>::Recycle() {
  BatchPool<T>::Instance().Release(this);
}

inline BatchPtr CloneBatch(const BatchPtr& batch) { return BatchPtr(batch->CloneRaw()); }

}  // namespace sluice
