// HyperLogLog (Flajolet et al. 2007; HLL++'s small-range linear counting and sparse
// start, Heule et al. 2013): a mergeable estimate of how many distinct items a stream
// holds, in at most 2^precision bytes, relative standard error ~1.04 / sqrt(2^precision).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice {

// Not thread-safe; a window keeps one per (key, slice) and merges them when it fires.
class HyperLogLog {
 public:
  static constexpr int kMinPrecision = 4;
  static constexpr int kMaxPrecision = 18;
  static constexpr int kDefaultPrecision = 14;

  // Throws std::invalid_argument unless precision is in [kMinPrecision, kMaxPrecision].
  explicit HyperLogLog(int precision = kDefaultPrecision) : precision_(precision) {
    if (precision < kMinPrecision || precision > kMaxPrecision) {
      throw std::invalid_argument("HyperLogLog: precision " + std::to_string(precision) +
                                  " is outside [" + std::to_string(kMinPrecision) + ", " +
                                  std::to_string(kMaxPrecision) + "]");
    }
  }

  // `hash` must be a well-mixed 64-bit hash of the item (sluice::StableHash is): the
  // estimate relies on its bits being independent and uniform.
  void Add(uint64_t hash) {
    const uint32_t index = static_cast<uint32_t>(hash >> (64 - precision_));
    // The rank is one plus the number of leading zeros of the remaining bits; with a
    // 64-bit hash it cannot saturate for any realistic cardinality, so HLL's
    // large-range correction (needed for 32-bit hashes) does not apply.
    const uint64_t rest = hash << precision_;
    const uint8_t rank =
        static_cast<uint8_t>(std::min(std::countl_zero(rest) + 1, MaxRank()));
    Update(index, rank);
  }

  // Makes this the sketch of the union of both streams. Throws std::invalid_argument
  // if the precisions differ: registers of different widths do not line up.
  void Merge(const HyperLogLog& other) {
    if (other.precision_ != precision_) {
      throw std::invalid_argument(
          "HyperLogLog::Merge: precision " + std::to_string(other.precision_) +
          " does not match this sketch's precision " + std::to_string(precision_));
    }
    if (&other == this) return;  // a stream's union with itself is itself
    if (!other.IsDense()) {
      for (uint32_t entry : other.sparse_) Update(EntryIndex(entry), EntryRank(entry));
      return;
    }
    if (!IsDense()) ToDense();
    for (size_t i = 0; i < registers_.size(); ++i) {
      registers_[i] = std::max(registers_[i], other.registers_[i]);
    }
  }

  // The estimated number of distinct hashes added (to this sketch or merged ones).
  double Estimate() const {
    // histogram[r]: how many registers hold r. Both estimators below need only that.
    std::vector<int64_t> histogram(MaxRank() + 1, 0);
    if (IsDense()) {
      for (uint8_t r : registers_) ++histogram[r];
    } else {
      std::vector<uint32_t> entries = sparse_;
      Compact(entries);
      histogram[0] = static_cast<int64_t>(RegisterCount() - entries.size());
      for (uint32_t entry : entries) ++histogram[EntryRank(entry)];
    }
    const double m = static_cast<double>(RegisterCount());
    // Linear counting (from the expected number of empty registers after n distinct
    // insertions) beats any register-based estimate while many registers are empty;
    // HLL++'s empirically chosen thresholds say where it stops doing so.
    if (histogram[0] > 0) {
      const double linear = m * std::log(m / static_cast<double>(histogram[0]));
      if (linear <= kLinearCountingThreshold[precision_ - kMinPrecision]) return linear;
    }
    return ImprovedRawEstimate(histogram);
  }

  int precision() const { return precision_; }

  // Every register's value, in index order (a copy; for tests and inspection).
  std::vector<uint8_t> Registers() const {
    if (IsDense()) return registers_;
    std::vector<uint8_t> registers(RegisterCount(), 0);
    for (uint32_t entry : sparse_) {
      uint8_t& r = registers[EntryIndex(entry)];
      r = std::max(r, EntryRank(entry));
    }
    return registers;
  }

 private:
  // HLL++ (Heule, Nunkesser, Hall 2013, appendix), indexed by precision - 4.
  static constexpr double kLinearCountingThreshold[] = {
      10,   20,   40,    80,    220,   400,    900,   1800,
      3100, 6500, 11500, 20000, 50000, 120000, 350000};

  // A window slice often sees few distinct items, so a sketch starts sparse: a list of
  // (index, rank) entries, at 4 bytes each, instead of 2^precision one-byte registers.
  // It turns dense once the compacted list would take more than half the registers'
  // bytes. Both forms give the same registers, so estimates do not depend on when.
  static uint32_t MakeEntry(uint32_t index, uint8_t rank) { return index << 8 | rank; }
  static uint32_t EntryIndex(uint32_t entry) { return entry >> 8; }
  static uint8_t EntryRank(uint32_t entry) { return static_cast<uint8_t>(entry & 0xff); }

  // Sorts the entries and keeps the largest rank of each index (entries sort by index,
  // then rank, so that is the last one of each run).
  static void Compact(std::vector<uint32_t>& entries) {
    std::sort(entries.begin(), entries.end());
    size_t kept = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i + 1 < entries.size() && EntryIndex(entries[i + 1]) == EntryIndex(entries[i]))
        continue;
      entries[kept++] = entries[i];
    }
    entries.resize(kept);
  }

  size_t RegisterCount() const { return size_t{1} << precision_; }
  bool IsDense() const { return !registers_.empty(); }

  void Update(uint32_t index, uint8_t rank) {
    if (IsDense()) {
      registers_[index] = std::max(registers_[index], rank);
      return;
    }
    sparse_.push_back(MakeEntry(index, rank));
    // Entries accumulate unsorted and are compacted in bulk, which keeps Add O(1)
    // amortized: at least RegisterCount() / 8 appends separate two compactions.
    if (sparse_.size() >= RegisterCount() / 4) {
      Compact(sparse_);
      if (sparse_.size() > RegisterCount() / 8) ToDense();
    }
  }

  void ToDense() {
    registers_ = Registers();
    sparse_.clear();
    sparse_.shrink_to_fit();
  }

  int MaxRank() const { return 64 - precision_ + 1; }

  // Above the linear-counting threshold HLL++ subtracts an empirically tabulated bias
  // from the classic raw estimate alpha m^2 / sum(2^-register), which overestimates by
  // up to ~50% just past the threshold and by ~1% still at 3m. Instead this is Ertl's
  // improved raw estimator ("New cardinality estimation algorithms for HyperLogLog
  // sketches", 2017): it accounts for empty and saturated registers
  // analytically, so it is unbiased across the range without tables.
  double ImprovedRawEstimate(const std::vector<int64_t>& histogram) const {
    const double m = static_cast<double>(RegisterCount());
    const int q = MaxRank() - 1;
    double z = m * Tau(1.0 - static_cast<double>(histogram[q + 1]) / m);
    for (int r = q; r >= 1; --r) z = 0.5 * (z + static_cast<double>(histogram[r]));
    z += m * Sigma(static_cast<double>(histogram[0]) / m);
    return m * m / (2.0 * std::numbers::ln2 * z);
  }

  // sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), summed until it stops changing.
  static double Sigma(double x) {
    if (x == 1.0) return std::numeric_limits<double>::infinity();
    double y = 1.0, z = x, previous;
    do {
      x *= x;
      previous = z;
      z += x * y;
      y += y;
    } while (z != previous);
    return z;
  }

  // tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, summed likewise.
  static double Tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, previous;
    do {
      x = std::sqrt(x);
      previous = z;
      y *= 0.5;
      z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != previous);
    return z / 3.0;
  }

  int precision_;
  std::vector<uint32_t> sparse_;    // used while registers_ is empty
  std::vector<uint8_t> registers_;  // 2^precision_ once dense
};

}  // namespace sluice
