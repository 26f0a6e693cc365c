// A few FIFO runs, each holding entries in non-decreasing time order, for work that
// comes in time order or as a few interleaved time orders: an operator's upstream
// instances each deliver an in-order stream, and their batches interleave. An entry
// joins the run whose last time is closest below its own (best fit), so that each
// stream keeps to a run of its own; an entry that fits no run is the caller's to keep
// elsewhere. Used by EventTimeTimers (timers) and SessionLane (open sessions).
//
// Entries have a sequence number by which they are found, and taken out, in O(1): a
// taken entry is marked dead in a bitmap and skipped when its run is popped. Each run
// is a ring buffer that doubles when full, so nothing is ever moved to compact it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"

namespace sluice {

// TimeOf: int64_t(const Entry&), the time an entry is due; it must read a plain
// integer member, which a taken (moved-from) entry still holds.
template <class Entry, class TimeOf>
class OrderedRuns {
  static_assert(std::is_default_constructible_v<Entry>,
                "ring buffer slots are default-constructed");

 public:
  static constexpr int kRuns = 4;
  static constexpr uint64_t kNoEntry = std::numeric_limits<uint64_t>::max();

  // The run an entry due at `time` can join without breaking its order, or -1.
  ABSL_ATTRIBUTE_ALWAYS_INLINE int RunFor(int64_t time) const {
    // The common case: in order, at or after every run's last time.
    if (time >= back_[latest_]) return latest_;
    int best = -1;
    for (int i = 0; i < kRuns; ++i) {
      if (back_[i] <= time && (best < 0 || back_[i] > back_[best])) best = i;
    }
    return best;
  }

  // Appends to `run` (from RunFor) and returns the entry's sequence number. (Inlined
  // on the per-event path: an entry passed through the stack to a call was stored in
  // halves and reloaded whole, stalling store forwarding.)
  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t Append(int run, Entry&& entry) {
    Run& r = runs_[run];
    if (r.tail - r.head == r.ring.size()) [[unlikely]]
      r.Grow();
    const int64_t time = time_of_(entry);
    r.Slot(r.tail) = std::move(entry);
    r.SetDead(r.tail, false);
    ++size_;
    back_[run] = time;
    if (time >= back_[latest_]) latest_ = run;
    return (static_cast<uint64_t>(run) << kRunShift) | r.tail++;
  }

  // The live entry `seq`, or nullptr once it was popped or taken.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Entry* Find(uint64_t seq) {
    if (seq == kNoEntry) return nullptr;
    Run& r = runs_[seq >> kRunShift];
    const uint64_t local = seq & kLocalMask;
    if (local < r.head || local >= r.tail || r.IsDead(local)) return nullptr;
    return &r.Slot(local);
  }
  // Takes the live entry `seq` out and returns it.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Entry Take(uint64_t seq) {
    const int run = static_cast<int>(seq >> kRunShift);
    Run& r = runs_[run];
    const uint64_t local = seq & kLocalMask;
    r.SetDead(local, true);
    --size_;
    Entry taken = std::move(r.Slot(local));
    // Keep the front live, so that FrontTime and PopFront need not look for it.
    while (r.head < r.tail && r.IsDead(r.head)) ++r.head;
    if (r.head == r.tail) Emptied(run);
    return taken;
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }  // live entries

  // The run whose front entry is due first, or -1 if all are empty.
  int EarliestRun() const {
    int earliest = -1;
    for (int i = 0; i < kRuns; ++i) {
      const Run& r = runs_[i];
      if (r.head < r.tail && (earliest < 0 || FrontTime(i) < FrontTime(earliest))) {
        earliest = i;
      }
    }
    return earliest;
  }
  // The front entry of a non-empty run.
  int64_t FrontTime(int run) const {
    const Run& r = runs_[run];
    return time_of_(r.ring[r.head & (r.ring.size() - 1)]);
  }
  Entry PopFront(int run) {
    Run& r = runs_[run];
    Entry front = std::move(r.Slot(r.head));
    --size_;
    do {
      ++r.head;
    } while (r.head < r.tail && r.IsDead(r.head));
    if (r.head == r.tail) Emptied(run);
    return front;
  }

  // Calls fn(entry) for every live entry due at or before `time`, run by run, each
  // in time order, and drops them. `fn` must not append.
  template <class Fn>
  void PopDue(int64_t time, Fn&& fn) {
    for (int i = 0; i < kRuns; ++i) {
      Run& r = runs_[i];
      uint64_t due = r.head;
      while (due < r.tail && time_of_(r.Slot(due)) <= time) ++due;
      // Live entries in [head, due), a bitmap word at a time: where entries are taken
      // out (sessions that grew and moved on), about half are dead in no
      // predictable pattern, and a test per entry would mispredict on each.
      for (uint64_t word = r.head / 64; word * 64 < due; ++word) {
        uint64_t live = ~r.dead[word & (r.dead.size() - 1)];
        if (word == r.head / 64) live &= ~uint64_t{0} << (r.head % 64);
        if ((word + 1) * 64 > due) live &= (uint64_t{1} << (due % 64)) - 1;
        for (; live != 0; live &= live - 1) {
          fn(r.Slot(word * 64 + static_cast<uint64_t>(std::countr_zero(live))));
          --size_;
        }
      }
      r.head = due;
      while (r.head < r.tail && r.IsDead(r.head)) ++r.head;
      if (r.head == r.tail) Emptied(i);
    }
  }

 private:
  static constexpr int kRunShift = 60;
  static constexpr uint64_t kLocalMask = (uint64_t{1} << kRunShift) - 1;
  // An empty run takes any time; best fit prefers one that is not empty.
  static constexpr int64_t kIdle = std::numeric_limits<int64_t>::min();

  struct Run {
    std::vector<Entry> ring;     // size a power of two (or 0); local seq s at s & mask
    std::vector<uint64_t> dead;  // one bit per ring slot
    uint64_t head = 0;           // local sequence numbers: [head, tail) are queued
    uint64_t tail = 0;

    Entry& Slot(uint64_t local) { return ring[local & (ring.size() - 1)]; }
    bool IsDead(uint64_t local) const {
      return (dead[(local / 64) & (dead.size() - 1)] >> (local % 64)) & 1;
    }
    void SetDead(uint64_t local, bool is_dead) {
      uint64_t& word = dead[(local / 64) & (dead.size() - 1)];
      const uint64_t bit = uint64_t{1} << (local % 64);
      word = is_dead ? word | bit : word & ~bit;
    }
    void Grow() {
      const size_t capacity = ring.empty() ? 64 : ring.size() * 2;
      std::vector<Entry> bigger(capacity);
      std::vector<uint64_t> bigger_dead(capacity / 64);
      for (uint64_t s = head; s < tail; ++s) {
        bigger[s & (capacity - 1)] = std::move(Slot(s));
        if (IsDead(s))
          bigger_dead[(s / 64) & (capacity / 64 - 1)] |= uint64_t{1} << (s % 64);
      }
      ring = std::move(bigger);
      dead = std::move(bigger_dead);
    }
  };

  void Emptied(int run) {
    back_[run] = kIdle;
    for (int i = 0; i < kRuns; ++i) {
      if (back_[i] > back_[latest_]) latest_ = i;
    }
  }

  TimeOf time_of_;
  Run runs_[kRuns];
  // Each run's last time (kIdle when empty), kept together: RunFor reads them all for
  // about half the entries when two in-order streams interleave.
  int64_t back_[kRuns] = {kIdle, kIdle, kIdle, kIdle};
  int latest_ = 0;  // the run with the latest last time
  size_t size_ = 0;
};

}  // namespace sluice
