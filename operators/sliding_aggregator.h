// The aggregate over a sliding run of slices, in amortised O(1) merges per slice
// ("two stacks"): this is what makes a 1 h window sliding by 1 s cost about as much
// as a tumbling one. Slices are pushed at the back (newest) and evicted from the
// front (oldest); the aggregate of everything held is one merge away.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace sluice {

// A: the window aggregate (Merge(into, from), with `into` the earlier slice).
template <class Acc, class A>
class SlidingAggregator {
 public:
  struct Slice {
    int64_t start;
    Acc acc;
  };

  bool empty() const { return slices_.empty(); }
  size_t size() const { return slices_.size(); }
  const Slice& front() const { return slices_.front(); }
  const Slice& back() const { return slices_.back(); }

  // Appends the newest slice; its start must be after every held slice's.
  void Push(const A& aggregate, int64_t start, Acc acc) {
    if (back_) {
      aggregate.Merge(*back_, acc);
    } else {
      back_ = acc;
    }
    slices_.push_back(Slice{start, std::move(acc)});
  }

  // Drops the oldest slice.
  void PopFront(const A& aggregate) {
    // The back aggregate cannot forget its oldest slice; the front's suffixes can.
    if (front_count_ == 0) Flip(aggregate);
    slices_.pop_front();
    suffix_.pop_front();
    --front_count_;
  }

  // Slice `start` (0 = oldest) was missing and a late event created it: inserts it in
  // order. Rare; costs O(slices).
  void Insert(const A& aggregate, int64_t start, Acc acc) {
    auto it = std::lower_bound(slices_.begin(), slices_.end(), start,
                               [](const Slice& s, int64_t t) { return s.start < t; });
    slices_.insert(it, Slice{start, std::move(acc)});
    Flip(aggregate);
  }

  // The index of the slice starting at `start`, or size() if none.
  size_t Find(int64_t start) const {
    auto it = std::lower_bound(slices_.begin(), slices_.end(), start,
                               [](const Slice& s, int64_t t) { return s.start < t; });
    if (it == slices_.end() || it->start != start) return slices_.size();
    return static_cast<size_t>(it - slices_.begin());
  }

  // The merge of every held slice, oldest first. Not empty() required.
  Acc Aggregate(const A& aggregate) {
    if (front_count_ == 0) Flip(aggregate);
    Acc result = suffix_.front();
    if (back_) aggregate.Merge(result, *back_);
    return result;
  }

  // Slice `index` (0 = oldest) changed after it was pushed (a late event): rebuilds
  // what depends on it. Rare; costs O(slices).
  Acc& MutableSlice(size_t index) { return slices_[index].acc; }
  void SliceChanged(const A& aggregate, size_t index) {
    if (index < front_count_) {
      for (size_t i = index + 1; i-- > 0;) {
        suffix_[i] = slices_[i].acc;
        if (i + 1 < front_count_) aggregate.Merge(suffix_[i], suffix_[i + 1]);
      }
    } else {
      RebuildBack(aggregate);
    }
  }

  auto begin() const { return slices_.begin(); }
  auto end() const { return slices_.end(); }

 private:
  // Moves every slice to the front part, with suffix aggregates (newest to oldest).
  void Flip(const A& aggregate) {
    front_count_ = slices_.size();
    suffix_.resize(front_count_);
    for (size_t i = front_count_; i-- > 0;) {
      suffix_[i] = slices_[i].acc;
      if (i + 1 < front_count_) aggregate.Merge(suffix_[i], suffix_[i + 1]);
    }
    back_.reset();
  }

  void RebuildBack(const A& aggregate) {
    back_.reset();
    for (size_t i = front_count_; i < slices_.size(); ++i) {
      if (back_) {
        aggregate.Merge(*back_, slices_[i].acc);
      } else {
        back_ = slices_[i].acc;
      }
    }
  }

  std::deque<Slice> slices_;
  // suffix_[i] = merge of slices_[i .. front_count_), for the front part.
  std::deque<Acc> suffix_;
  size_t front_count_ = 0;
  std::optional<Acc> back_;  // merge of slices_[front_count_ ..)
};

}  // namespace sluice
