// The aggregate over a sliding run of slices, in amortised O(1) merges per slice
// ("two stacks"): this is what makes a 1 h window sliding by 1 s cost about as much
// as a tumbling one. Slices are pushed at the back (newest) and evicted from the
// front (oldest); the aggregate of everything held is one merge away.
//
// Storage is two vectors with a moving head rather than std::deque, because a window
// operator keeps one of these per key and an empty std::deque already allocates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace sluice {

// A: the window aggregate (Merge(into, from), with `into` the earlier slice).
template <class Acc, class A>
class SlidingAggregator {
 public:
  struct Slice {
    int64_t start;
    Acc acc;
  };

  bool empty() const { return head_ == slices_.size(); }
  size_t size() const { return slices_.size() - head_; }
  const Slice& front() const { return slices_[head_]; }
  const Slice& at(size_t i) const { return slices_[head_ + i]; }  // 0 = oldest
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
    if (front_end_ == head_) Flip(aggregate);
    ++head_;
    if (empty()) {
      ClearPrivate();
    } else if (head_ > 32 && head_ * 2 > slices_.size()) {
      Compact();
    }
  }

  // The merge of every held slice, oldest first. Requires !empty().
  Acc Aggregate(const A& aggregate) {
    if (front_end_ == head_) Flip(aggregate);
    Acc result = suffix_[head_];
    if (back_) aggregate.Merge(result, *back_);
    return result;
  }

  // Drops every slice.
  void Clear() { ClearPrivate(); }

  // The position of the slice starting at `start` (0 = oldest), or size() if none.
  size_t Find(int64_t start) const {
    auto first = slices_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto it = std::lower_bound(first, slices_.end(), start,
                               [](const Slice& s, int64_t t) { return s.start < t; });
    if (it == slices_.end() || it->start != start) return size();
    return static_cast<size_t>(it - first);
  }

  // A late event changed slice `index` (0 = oldest): rebuilds what depends on it.
  // Rare; costs O(slices).
  Acc& MutableSlice(size_t index) { return slices_[head_ + index].acc; }
  void SliceChanged(const A& aggregate) { Flip(aggregate); }

  // A late event created slice `start`, which was missing: inserts it in order.
  // Rare; costs O(slices).
  void Insert(const A& aggregate, int64_t start, Acc acc) {
    auto first = slices_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto it = std::lower_bound(first, slices_.end(), start,
                               [](const Slice& s, int64_t t) { return s.start < t; });
    slices_.insert(it, Slice{start, std::move(acc)});
    Flip(aggregate);
  }

 private:
  // Moves every slice to the front part and computes its suffix aggregates.
  void Flip(const A& aggregate) {
    suffix_.resize(slices_.size());
    for (size_t i = slices_.size(); i-- > head_;) {
      suffix_[i] = slices_[i].acc;
      if (i + 1 < slices_.size()) aggregate.Merge(suffix_[i], suffix_[i + 1]);
    }
    front_end_ = slices_.size();
    back_.reset();
  }

  // Drops the evicted prefix so the vectors do not grow without bound.
  void Compact() {
    auto drop = static_cast<std::ptrdiff_t>(head_);
    slices_.erase(slices_.begin(), slices_.begin() + drop);
    suffix_.erase(
        suffix_.begin(),
        suffix_.begin() + std::min(drop, static_cast<std::ptrdiff_t>(suffix_.size())));
    front_end_ -= std::min(front_end_, head_);
    head_ = 0;
  }

  void ClearPrivate() {
    slices_.clear();
    suffix_.clear();
    head_ = 0;
    front_end_ = 0;
    back_.reset();
  }

  std::vector<Slice> slices_;  // [head_, size) are held, oldest first
  // For the front part [head_, front_end_): suffix_[i] = merge of slices i..front_end_-1.
  std::vector<Acc> suffix_;
  size_t head_ = 0;
  size_t front_end_ = 0;
  std::optional<Acc> back_;  // merge of slices [front_end_, size)
};

}  // namespace sluice
