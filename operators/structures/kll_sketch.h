// KLL quantile sketch (Karnin, Lang, Liberty, "Optimal Quantile Approximation in
// Streams", 2016): a mergeable summary of a stream of ordered values that answers
// quantile queries within a normalized rank error of about 1.3% for k = 200 (99%
// confidence; roughly inversely proportional to k), keeping about 3k + 8 log2(n / k)
// values (614 for k = 200 and a million values).
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice {

// Values live in levels; a value at level h stands for 2^h input values. When the
// sketch is full, a level is sorted and every other value of it (starting at a random
// one of the first two) moves up a level, doubling its weight: each such compaction
// shifts any rank by at most the weight moved, with random sign, so errors cancel.
// Not thread-safe; a window keeps one per (key, slice) and merges them when it fires.
template <class V>
requires std::totally_ordered<V> && std::copyable<V>
class KllSketch {
 public:
  static constexpr int kDefaultK = 200;
  // Every level holds at least this many values, so the small low levels of a deep
  // sketch do not compact on nearly every insert (Apache DataSketches does the same).
  static constexpr int kMinLevelCapacity = 8;
  // Compactions pick their offset from a generator seeded with this, so the same input
  // in the same order gives the same sketch in every run.
  static constexpr uint64_t kDefaultSeed = 0x9e3779b97f4a7c15ULL;

  // k sets accuracy and size. Throws std::invalid_argument if k < kMinLevelCapacity.
  explicit KllSketch(int k = kDefaultK, uint64_t seed = kDefaultSeed)
      : k_(k), random_state_(seed == 0 ? kDefaultSeed : seed) {
    if (k < kMinLevelCapacity) {
      throw std::invalid_argument("KllSketch: k must be at least " +
                                  std::to_string(kMinLevelCapacity) + ", got " +
                                  std::to_string(k));
    }
    Grow();
  }

  // NaN is ignored (not counted): it has no place in the order, and would break the
  // sorting every compaction relies on.
  void Add(V value) {
    if constexpr (std::is_floating_point_v<V>) {
      if (std::isnan(value)) return;
    }
    TakeExtremes(value, value);
    levels_[0].push_back(std::move(value));
    ++count_;
    ++retained_;
    if (retained_ >= capacity_) Compress();
  }

  // Makes this the sketch of both streams together. A sketch merged from ones with
  // different k keeps the smaller k, whose error bound is the one that holds.
  void Merge(const KllSketch& other) {
    if (&other == this) {
      const KllSketch copy = other;
      Merge(copy);
      return;
    }
    if (other.count_ == 0) return;
    TakeExtremes(*other.min_, *other.max_);
    k_ = std::min(k_, other.k_);
    while (levels_.size() < other.levels_.size()) Grow();
    for (size_t h = 0; h < other.levels_.size(); ++h) {
      levels_[h].insert(levels_[h].end(), other.levels_[h].begin(),
                        other.levels_[h].end());
      retained_ += other.levels_[h].size();
    }
    count_ += other.count_;
    UpdateCapacity();
    while (retained_ >= capacity_) Compress();
  }

  // A value whose rank among the values added is close to q * (Count() - 1) (see the
  // error bound at the top). q = 0 and q = 1 give the exact minimum and maximum. Throws
  // std::invalid_argument if q is not in [0, 1] and std::logic_error if the sketch is
  // empty.
  V Quantile(double q) const { return Quantiles({q}).front(); }

  // Quantile(q) for each of `qs`, sorting the retained values once.
  std::vector<V> Quantiles(const std::vector<double>& qs) const {
    for (double q : qs) {
      if (!(q >= 0.0 && q <= 1.0)) {
        throw std::invalid_argument("KllSketch::Quantile: q = " + std::to_string(q) +
                                    " is outside [0, 1]");
      }
    }
    if (count_ == 0) {
      throw std::logic_error("KllSketch::Quantile: the sketch is empty");
    }
    std::vector<std::pair<V, uint64_t>> weighted;  // (value, weight) in value order
    weighted.reserve(retained_);
    for (size_t h = 0; h < levels_.size(); ++h) {
      for (const V& v : levels_[h]) weighted.emplace_back(v, uint64_t{1} << h);
    }
    std::sort(weighted.begin(), weighted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<uint64_t> cumulative(weighted.size());
    uint64_t sum = 0;
    for (size_t i = 0; i < weighted.size(); ++i)
      cumulative[i] = sum += weighted[i].second;

    std::vector<V> result;
    result.reserve(qs.size());
    for (double q : qs) {
      if (q == 0.0) {
        result.push_back(*min_);
      } else if (q == 1.0) {
        result.push_back(*max_);
      } else {
        // The first value whose cumulative weight exceeds the target rank: with
        // every weight 1 that is sorted[floor(q * (n - 1))], the exact quantile.
        const double target = q * static_cast<double>(count_ - 1);
        auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target,
                                   [](double t, uint64_t c) { return t < c; });
        result.push_back(
            weighted[std::min<size_t>(it - cumulative.begin(), weighted.size() - 1)]
                .first);
      }
    }
    return result;
  }

  // How many values were added (to this sketch or merged ones).
  int64_t Count() const { return static_cast<int64_t>(count_); }
  bool empty() const { return count_ == 0; }
  // How many values the sketch holds: its memory is about this many V.
  size_t RetainedItems() const { return retained_; }
  int k() const { return k_; }

 private:
  // The top level holds k values, each one below it 2/3 as many: the paper's
  // geometric capacities, which keep the total near 3k however deep the sketch.
  size_t LevelCapacity(size_t level) const {
    const double depth = static_cast<double>(levels_.size() - 1 - level);
    const double capacity = std::ceil(k_ * std::pow(2.0 / 3.0, depth));
    return std::max<size_t>(kMinLevelCapacity, static_cast<size_t>(capacity));
  }

  void UpdateCapacity() {
    capacity_ = 0;
    for (size_t h = 0; h < levels_.size(); ++h) capacity_ += LevelCapacity(h);
  }

  void Grow() {
    levels_.emplace_back();
    UpdateCapacity();
  }

  // Compacts, from the bottom, each level at or over its capacity, stopping as soon
  // as the sketch is below its total capacity (lazy compaction, which lets lower
  // levels borrow the room higher ones leave unused).
  void Compress() {
    for (size_t h = 0; h < levels_.size(); ++h) {
      if (levels_[h].size() < LevelCapacity(h)) continue;
      if (h + 1 == levels_.size()) Grow();
      CompactLevel(h);
      if (retained_ < capacity_) return;
    }
  }

  // Sorts the level and moves every other value to the level above, keeping the
  // smallest one back when the count is odd, so the weight moved is exactly doubled.
  void CompactLevel(size_t h) {
    std::vector<V>& level = levels_[h];
    std::vector<V>& above = levels_[h + 1];
    std::sort(level.begin(), level.end());
    const size_t odd = level.size() % 2;
    const size_t offset = odd + (NextRandomBit() ? 1 : 0);
    for (size_t i = offset; i < level.size(); i += 2)
      above.push_back(std::move(level[i]));
    retained_ -= (level.size() - odd) / 2;
    level.resize(odd);
  }

  // xorshift64 (Marsaglia 2003): fast and reproducible; the sketch needs fair coins,
  // not cryptographic ones.
  bool NextRandomBit() {
    random_state_ ^= random_state_ << 13;
    random_state_ ^= random_state_ >> 7;
    random_state_ ^= random_state_ << 17;
    return (random_state_ >> 63) != 0;
  }

  void TakeExtremes(const V& low, const V& high) {
    if (!min_ || low < *min_) min_ = low;
    if (!max_ || *max_ < high) max_ = high;
  }

  int k_;
  uint64_t random_state_;
  std::vector<std::vector<V>> levels_;  // levels_[h]: values of weight 2^h
  uint64_t count_ = 0;                  // total weight: values added
  size_t retained_ = 0;                 // values held across all levels
  size_t capacity_ = 0;                 // sum of the levels' capacities
  std::optional<V> min_, max_;          // exact extremes, which compaction may drop
};

}  // namespace sluice
